package org.synthray.coordinator.sets;

import java.util.regex.Pattern;

/**
 * Escapes text a site or an admin wrote (prompts, intended use, reasons, JSON keys) for the
 * datasheet, so it reads as text in any Markdown (CommonMark/GFM) renderer and can add no
 * structure: no HTML (a {@code <script>} stays visible text), no code spans, links, emphasis,
 * table cells, headings, lists or new lines.
 */
final class Markdown {
    /** Characters that open inline structure anywhere in a line. */
    private static final String INLINE = "\\`*_[]|~!";
    /** A line starting like this would become a heading, list, quote, rule or setext underline. */
    private static final Pattern BLOCK_START = Pattern.compile("^(?:[#+=-]|\\d+(?=[.)]))");

    private Markdown() {
    }

    /** {@code s} as one line of literal Markdown text at the start of a block (paragraph, list item). */
    static String text(String s) {
        String line = inline(s);
        var m = BLOCK_START.matcher(line);
        if (m.find()) {
            int at = Character.isDigit(line.charAt(0)) ? m.end() : 0; // "1." → "1\\.", "#" → "\\#"
            return line.substring(0, at) + "\\" + line.substring(at);
        }
        return line;
    }

    /** {@code s} as literal Markdown text inside a line (a table cell); null reads "?". */
    static String inline(String s) {
        if (s == null) {
            return "?";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(' '); // new lines would end the list item or table row
                    } else {
                        if (INLINE.indexOf(c) >= 0) {
                            b.append('\\');
                        }
                        b.append(c);
                    }
                }
            }
        }
        return b.toString().strip(); // leading blanks would make a code block
    }

    /** A hash or identifier as a code span when it is one (hex), else as escaped text. */
    static String code(String s) {
        return s != null && s.matches("[0-9a-fA-F]{1,128}") ? "`" + s + "`" : inline(s);
    }
}
