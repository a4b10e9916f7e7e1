package org.synthray.coordinator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The coordinator's real config resolution (SmallRye Config, the interceptor found as a service). */
class AbsoluteDataDirTest {
    private static SmallRyeConfig config(String dataDir) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors().addDiscoveredInterceptors()
                .withSources(new PropertiesConfigSource(Map.of(
                        "synthray.data-dir", dataDir,
                        "quarkus.datasource.jdbc.url", "jdbc:h2:file:${synthray.data-dir}/coordinator;DB_CLOSE_ON_EXIT=FALSE",
                        "synthray.models.dir", "${synthray.data-dir}/models"), "test", 500))
                .build();
    }

    @Test
    void aRelativeDataDirIsResolvedAgainstTheWorkingFolderEverywhereItIsUsed() {
        String abs = Path.of("reldata").toAbsolutePath().normalize().toString();
        SmallRyeConfig c = config("reldata");
        assertEquals(abs, c.getRawValue("synthray.data-dir"));
        // H2 refuses "jdbc:h2:file:reldata/coordinator" (implicitly relative); the URL now names an absolute file.
        assertEquals("jdbc:h2:file:" + abs + "/coordinator;DB_CLOSE_ON_EXIT=FALSE", c.getRawValue("quarkus.datasource.jdbc.url"));
        assertEquals(abs + "/models", c.getRawValue("synthray.models.dir"));
    }

    @Test
    void aProfilesValueIsResolvedToo() {
        SmallRyeConfig c = new SmallRyeConfigBuilder().addDefaultInterceptors().addDiscoveredInterceptors().withProfile("test")
                .withSources(new PropertiesConfigSource(Map.of("synthray.data-dir", "main", "%test.synthray.data-dir", "t/data",
                        "url", "jdbc:h2:file:${synthray.data-dir}/coordinator"), "test", 500))
                .build();
        String abs = Path.of("t/data").toAbsolutePath().normalize().toString();
        assertEquals(abs, c.getRawValue("synthray.data-dir"));
        assertEquals("jdbc:h2:file:" + abs + "/coordinator", c.getRawValue("url"));
    }

    @Test
    void dotRelativeAndAbsoluteDirsAreNormalised() {
        assertEquals(Path.of("").toAbsolutePath().resolve("x").toString(), config("./x").getRawValue("synthray.data-dir"));
        assertEquals("/srv/synthray", config("/srv/synthray/").getRawValue("synthray.data-dir"));
    }
}
