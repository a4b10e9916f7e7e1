package org.synthray.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Mistakes on the join command line get one clear line, not a stack trace. */
class JoinCommandTest {

    private static String[] run(String... args) {
        CommandLine cl = SiteAgentCli.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void badCoordinatorAddress() {
        String[] r = run("join", "--coordinator", "localhost", "--site-id", "a", "--data", ".");
        assertEquals("1", r[0]);
        assertTrue(r[1].startsWith("error: --coordinator must be HOST:PORT"), r[1]);
        assertTrue(run("join", "--coordinator", "h:x", "--site-id", "a", "--data", ".")[1].contains("port must be a number"));
    }

    @Test
    void badShardSiteIdAndFolder() {
        assertTrue(run("join", "--coordinator", "h:1", "--site-id", "a", "--data", ".", "--shard", "2/2")[1]
                .contains("--shard: a shard is K/N with 0 <= K < N, got '2/2'"));
        assertTrue(run("join", "--coordinator", "h:1", "--site-id", "a b", "--data", ".")[1].contains("--site-id may use"));
        assertTrue(run("join", "--coordinator", "h:1", "--site-id", "a", "--data", "/no/such/folder")[1]
                .contains("data folder /no/such/folder does not exist"));
    }

    @Test
    void missingOptionIsReportedByName() {
        String[] r = run("join", "--coordinator", "h:1");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("Missing required options") && r[1].contains("--site-id"), r[1]);
    }
}
