package org.synthray.coordinator.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;
import java.nio.file.Path;

/**
 * {@code synthray.data-dir} as an absolute path, whatever form it was given in. The H2 database URL
 * is built from it ({@code jdbc:h2:file:${synthray.data-dir}/coordinator}) and H2 refuses an
 * implicitly relative path such as {@code reldata/coordinator}; resolving it against the working
 * folder here makes {@code -Dsynthray.data-dir=reldata} mean what it says everywhere it is used.
 *
 * <p>Its place in SmallRye Config's chain matters: below expression expansion (3300), so that
 * {@code ${synthray.data-dir}} inside other properties is looked up through it, and above profiles
 * (3200), so that a profile's value ({@code %test.synthray.data-dir}) is resolved too.
 */
@Priority(Priorities.LIBRARY + 250)
public class AbsoluteDataDir implements ConfigSourceInterceptor {
    static final String NAME = "synthray.data-dir";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!NAME.equals(name) || value == null || value.getValue() == null || value.getValue().isBlank()
                || value.getValue().contains("${")) {
            return value;
        }
        return value.withValue(Path.of(value.getValue()).toAbsolutePath().normalize().toString());
    }
}
