package org.synthray.agent;

import java.nio.file.Path;

/** The real image sets for the site agent's tests; where they are found: {@link org.synthray.testdata.TestData}. */
public final class TestData {
    private TestData() {
    }

    public static Path nih() {
        return org.synthray.testdata.TestData.nih();
    }

    public static Path hannover() {
        return org.synthray.testdata.TestData.hannover();
    }
}
