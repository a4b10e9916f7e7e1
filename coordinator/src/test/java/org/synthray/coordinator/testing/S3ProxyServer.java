package org.synthray.coordinator.testing;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real S3 server for tests: s3proxy (Maven Central, {@code org.gaul:s3proxy:2.6.0}, the
 * jar-with-dependencies that the build copies to {@code target/s3proxy/s3proxy.jar}) over a jclouds
 * filesystem store, on a free loopback port. It runs in this JVM in a class loader of its own, so its
 * bundled Jetty, Netty and Jackson never meet the coordinator's; hence the reflection.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "synthray-test";
    public static final String SECRET_KEY = "synthray-test-secret";

    private final URLClassLoader loader;
    private final Object proxy;
    private final Object context;
    private final URI endpoint;

    private S3ProxyServer(URLClassLoader loader, Object proxy, Object context, URI endpoint) {
        this.loader = loader;
        this.proxy = proxy;
        this.context = context;
        this.endpoint = endpoint;
    }

    /** Starts a server whose buckets are folders under {@code baseDir}. */
    public static S3ProxyServer start(Path baseDir) throws Exception {
        Path jar = Path.of(System.getProperty("synthray.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no s3proxy jar at " + jar + " (the coordinator build copies it in generate-test-resources)");
        }
        Files.createDirectories(baseDir);
        Path logback = Files.createTempFile("s3proxy-logback", ".xml");
        Files.writeString(logback, "<configuration><root level=\"WARN\"/></configuration>");
        System.setProperty("logback.configurationFile", logback.toString());

        URLClassLoader loader = new URLClassLoader("s3proxy", new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader); // jclouds finds its providers through the context class loader
        try {
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", baseDir.toAbsolutePath().toString());
            Class<?> contextBuilder = loader.loadClass("org.jclouds.ContextBuilder");
            Object b = contextBuilder.getMethod("newBuilder", String.class).invoke(null, "filesystem");
            b = contextBuilder.getMethod("credentials", String.class, String.class).invoke(b, "identity", "credential");
            b = contextBuilder.getMethod("overrides", Properties.class).invoke(b, props);
            Class<?> contextType = loader.loadClass("org.jclouds.blobstore.BlobStoreContext");
            Object context = contextBuilder.getMethod("build", Class.class).invoke(b, contextType);
            Object blobStore = contextType.getMethod("getBlobStore").invoke(context);

            Class<?> s3proxy = loader.loadClass("org.gaul.s3proxy.S3Proxy");
            Object builder = s3proxy.getMethod("builder").invoke(null);
            Class<?> builderType = builder.getClass();
            builderType.getMethod("blobStore", loader.loadClass("org.jclouds.blobstore.BlobStore")).invoke(builder, blobStore);
            builderType.getMethod("endpoint", URI.class).invoke(builder, URI.create("http://127.0.0.1:0"));
            @SuppressWarnings({"unchecked", "rawtypes"})
            Class<Enum> auth = (Class<Enum>) loader.loadClass("org.gaul.s3proxy.AuthenticationType");
            builderType.getMethod("awsAuthentication", auth, String.class, String.class)
                    .invoke(builder, Enum.valueOf(auth, "AWS_V2_OR_V4"), ACCESS_KEY, SECRET_KEY);
            Object proxy = builderType.getMethod("build").invoke(builder);
            s3proxy.getMethod("start").invoke(proxy);
            Method state = s3proxy.getMethod("getState");
            while (!"STARTED".equals(state.invoke(proxy))) {
                Thread.sleep(10);
            }
            int port = (int) s3proxy.getMethod("getPort").invoke(proxy);
            return new S3ProxyServer(loader, proxy, context, URI.create("http://127.0.0.1:" + port));
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.getClass().getMethod("stop").invoke(proxy);
            ((java.io.Closeable) context).close(); // BlobStoreContext is Closeable
        } finally {
            loader.close();
        }
    }
}
