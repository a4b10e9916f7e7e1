package org.synthray.agent.eval;

import java.util.List;

/**
 * The findings the evaluation classifier tells apart: "No Finding" and the three most frequent
 * NIH findings that are visible at 64 px. An image belongs to the first class in this order that its
 * labels name ({@code Cardiomegaly} before {@code Effusion} before {@code Atelectasis}); images with
 * only other findings take no part in the accuracy.
 */
public final class FindingClasses {
    public static final List<String> NAMES = List.of("No Finding", "Cardiomegaly", "Effusion", "Atelectasis");

    private FindingClasses() {
    }

    /** @return the class index, or -1 when none of the labels is one of {@link #NAMES} */
    public static int of(List<String> labels) {
        if (labels.size() == 1 && labels.get(0).equalsIgnoreCase("No Finding")) {
            return 0;
        }
        for (int c = 1; c < NAMES.size(); c++) {
            for (String l : labels) {
                if (l.strip().equalsIgnoreCase(NAMES.get(c))) {
                    return c;
                }
            }
        }
        return -1;
    }
}
