package org.synthray.coordinator.sets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prompts, the intended use and every other text a site or an admin wrote cannot add structure to
 * datasheet.md: the document keeps exactly the headings, list items and table rows it is built with.
 */
class DatasheetEscapingTest {
    private static final String HOSTILE = "<script>alert(1)</script> `code` **bold** [x](http://evil) | cell |\n"
            + "# Injected heading\n\n- injected item\n| a | b |\n---";

    private static String sheet(String prompt, String intendedUse, String reason) {
        var guard = JsonNodeFactory.instance.objectNode().put("thr|eshold\n# k", "<img src=x onerror=alert(1)>");
        SetView s = new SetView("set-00000000000000aa", "nih-a", "released", "ab".repeat(32), null, 2, 0, 0, 1000,
                List.of(prompt, "1. numbered", "plain prompt"), "ddim", 50, 7.5, "2026-01-01T00:00:00Z",
                "cd".repeat(32), "CC0-1.0", intendedUse, reason, "admin:carol", null, null, null, null);
        return SetArchive.datasheetMarkdown(new Datasheet(s, guard, null));
    }

    @Test
    void userTextCannotInjectHtmlOrMarkdownStructure() {
        String md = sheet(HOSTILE, HOSTILE, HOSTILE);
        String clean = sheet("p", "u", "r");
        // No raw HTML and no unescaped code span, link or emphasis survive.
        assertFalse(md.contains("<script>"), md);
        assertFalse(md.contains("<img"), md);
        assertTrue(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), md);
        assertFalse(md.matches("(?s).*[^\\\\]`code.*"), md);
        assertTrue(md.contains("\\[x\\](http://evil)"), md);
        // The same number of lines, headings, list items and table rows as with harmless text.
        assertEquals(clean.lines().count(), md.lines().count(), md);
        assertEquals(count(clean, "^#.*"), count(md, "^#.*"), md);
        assertEquals(count(clean, "^- .*"), count(md, "^- .*"), md);
        // Each table row still has exactly two cells: a '|' from user text is escaped.
        md.lines().filter(l -> l.startsWith("| ")).forEach(l ->
                assertEquals(3, l.split("(?<!\\\\)\\|", -1).length - 1, l));
        // A prompt that looks like a numbered list or a heading stays text inside its item.
        assertTrue(md.contains("- 1\\. numbered"), md);
        assertTrue(md.contains("\n- &lt;script&gt;"), md);
        assertTrue(md.contains("\n&lt;script&gt;"), md); // the intended use, one escaped paragraph
    }

    @Test
    void plainTextReadsAsItself() {
        String md = sheet("frontal chest X-ray, left pleural effusion", "Research on effusion detection.", "ok");
        assertTrue(md.contains("- frontal chest X-ray, left pleural effusion\n"), md);
        assertTrue(md.contains("\nResearch on effusion detection.\n"), md);
        assertTrue(md.contains("`" + "ab".repeat(32) + "`"), md);
    }

    private static long count(String md, String regex) {
        return md.lines().filter(l -> l.matches(regex)).count();
    }
}
