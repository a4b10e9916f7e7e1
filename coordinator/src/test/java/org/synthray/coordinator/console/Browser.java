package org.synthray.coordinator.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver (packages chromium and chromium-driver;
 * .ci/run installs them). Nothing is downloaded: the driver and the browser are named by path.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("SYNTHRAY_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("SYNTHRAY_CHROMEDRIVER", "/usr/bin/chromedriver"));

    final ChromeDriver driver;
    final Path downloads;
    private final Path profile;
    /** Where screenshots are also copied (docs/images when asked for with -Dsynthray.console.screenshots=DIR). */
    private final Path screenshotsTo;
    private final Path screenshots;

    Browser(Path work) throws IOException {
        profile = Files.createDirectories(work.resolve("chromium-profile"));
        downloads = Files.createDirectories(work.resolve("downloads"));
        screenshots = Files.createDirectories(work.resolve("screenshots"));
        String to = System.getProperty("synthray.console.screenshots");
        screenshotsTo = to == null || to.isBlank() ? null : Files.createDirectories(Path.of(to));
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-extensions", "--password-store=basic",
                "--window-size=1280,800", "--user-data-dir=" + profile);
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false, "credentials_enable_service", false,
                "profile.password_manager_enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    void get(String url) {
        driver.get(url);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    WebElement waitFor(String css, Duration timeout) {
        return new WebDriverWait(driver, timeout).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    void type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
    }

    String source() {
        return driver.getPageSource();
    }

    /** Saves a screenshot of the window as NAME.png. */
    void screenshot(String name, int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
        try {
            Path png = screenshots.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), png, StandardCopyOption.REPLACE_EXISTING);
            if (screenshotsTo != null) {
                Files.copy(png, screenshotsTo.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 800));
        }
    }

    /** The browser's cookies for this page, as a Cookie request header (to check status codes directly). */
    String cookieHeader() {
        StringBuilder b = new StringBuilder();
        for (org.openqa.selenium.Cookie c : driver.manage().getCookies()) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(c.getName()).append('=').append(c.getValue());
        }
        return b.toString();
    }

    WebDriver raw() {
        return driver;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
