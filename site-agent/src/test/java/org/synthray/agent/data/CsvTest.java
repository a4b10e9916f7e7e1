package org.synthray.agent.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void parsesQuotedFieldsWithCommasQuotesAndNewlines() {
        List<List<String>> r = Csv.parse("a,b,c\r\n1,\"x, y\",\"he said \"\"hi\"\"\nnext line\"\n2,,\n");
        assertEquals(List.of("a", "b", "c"), r.get(0));
        assertEquals(List.of("1", "x, y", "he said \"hi\"\nnext line"), r.get(1));
        assertEquals(List.of("2", "", ""), r.get(2));
        assertEquals(3, r.size());
    }
}
