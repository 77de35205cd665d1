package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import io.ambit.service.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard at 1,000 workloads ({@link StandInMesh#atScale}: 1,003 pods, 100 services, 1,000
 * observed flows scraped from a real Prometheus page) in headless chromium: every page loads, the
 * graph renders every workload and flow, the workloads page renders one page of 100 rows and its
 * paging and search reach a given workload, and there are no console errors. Load times are measured
 * in the browser (Navigation Timing and {@code performance.now()} around each page's first render)
 * and written to {@code target/screenshots/scale-timings.txt} and stdout: reported, never asserted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class DashboardScaleBrowserTest {

    static final int WORKLOADS = 1000;
    /** Policies beside the demo's two: the policies page pages too. */
    static final int POLICIES = 150;
    private static StandInMesh mesh;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        mesh = StandInMesh.atScale(WORKLOADS);
        mesh.denyPolicies("scale-0", POLICIES);
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].node", () -> "node-b");
        registry.add("ambit.admin.ztunnels[0].admin-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].metrics-url", () -> mesh.url() + "/actuator/prometheus");
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "2s");
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @Autowired
    Environment environment;

    private WebDriver driver;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private long now() {
        return ((Number) js("return performance.now()")).longValue();
    }

    private void screenshot(String name) throws Exception {
        File file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(file.toPath(), DashboardBrowserTest.SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private void tab(String name) {
        driver.findElement(By.cssSelector("#tabs button[data-tab='" + name + "']")).click();
    }

    private String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    @Test
    void everyPageLoadsAndTheGraphRendersAThousandWorkloadsWithoutConsoleErrors() throws Exception {
        driver = DashboardBrowserTest.chromium();
        List<String> timings = new ArrayList<>();
        driver.get("http://127.0.0.1:" + environment.getProperty("local.server.port") + "/");
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.findElement(By.id("login")).isDisplayed());
        timings.add("page load (navigation start → load event): "
                + js("const n = performance.getEntriesByType('navigation')[0]; return Math.round(n.loadEventEnd - n.startTime)") + " ms");
        driver.findElement(By.id("token")).sendKeys(TestTokens.VIEWER);
        long start = now();
        driver.findElement(By.cssSelector("#login-form button")).click();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(text("#counts")).contains(String.valueOf(WORKLOADS + 3)));
        timings.add("overview after sign-in: " + (now() - start) + " ms");
        screenshot("scale-overview");

        start = now();
        tab("graph");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(js("return window.ambitGraph ? window.ambitGraph.nodes('[kind = \"workload\"]').length : 0"))
                    .as("a node per workload").isEqualTo((long) WORKLOADS + 3);
            assertThat(js("return window.ambitGraph.edges('[kind = \"traffic\"]').length")).as("an edge per observed flow")
                    .isEqualTo((long) WORKLOADS);
        });
        timings.add("graph (" + (WORKLOADS + 3) + " workloads, " + WORKLOADS + " flows) rendered: " + (now() - start) + " ms");
        screenshot("scale-graph");

        long w = now();
        tab("workloads");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(text("#workloads-position"))
                .isEqualTo("page 1 of 11 (" + (WORKLOADS + 3) + " workloads)"));
        timings.add("workloads page: " + (now() - w) + " ms");
        assertThat(driver.findElements(By.cssSelector("#workloads tbody tr"))).as("one page of rows, not a thousand").hasSize(100);
        screenshot("scale-workloads");
        // paging reaches a workload that is not on the first page: ordered by namespace then name, scale-9's app-999-0 is on the last
        for (int page = 2; page <= 11; page++) {
            int expected = page;
            driver.findElement(By.id("workloads-next")).click();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(text("#workloads-position")).startsWith("page " + expected + " of 11"));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(text("#workloads")).contains("app-999-0"));
        assertThat(driver.findElements(By.cssSelector("#workloads tbody tr"))).hasSize(WORKLOADS + 3 - 1000);
        assertThat(driver.findElement(By.id("workloads-next")).isEnabled()).as("no page after the last").isFalse();
        // the search finds one workload among the thousand, from any page
        driver.findElement(By.id("workloads-search")).sendKeys("app-517-");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(text("#workloads-position")).isEqualTo("page 1 of 1 (1 workloads matching)");
            assertThat(driver.findElements(By.cssSelector("#workloads tbody tr"))).hasSize(1);
            assertThat(text("#workloads tbody")).contains("app-517-0", "scale-7");
        });
        screenshot("scale-workloads-search");

        // the policies and identities pages page and search the same way
        tab("policies");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(text("#policies-position"))
                .isEqualTo("page 1 of 2 (" + (POLICIES + 2) + " policies)"));
        assertThat(driver.findElements(By.cssSelector("#policies tbody tr"))).hasSize(100);
        driver.findElement(By.id("policies-next")).click();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(text("#policies-position")).startsWith("page 2 of 2");
            assertThat(driver.findElements(By.cssSelector("#policies tbody tr"))).hasSize(POLICIES + 2 - 100);
        });
        driver.findElement(By.id("policies-search")).sendKeys("p-149");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(text("#policies-position")).isEqualTo("page 1 of 1 (1 policies matching)");
            assertThat(text("#policies tbody")).contains("p-149", "scale-0");
        });
        screenshot("scale-policies-search");
        tab("identities");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(text("#identities-position"))
                .isEqualTo("page 1 of 1 (2 certificates)"));
        driver.findElement(By.id("identities-search")).sendKeys("sa/late");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(text("#identities-position")).isEqualTo("page 1 of 1 (1 certificates matching)");
            assertThat(driver.findElements(By.cssSelector("#identities tbody tr"))).hasSize(1);
        });

        for (String[] page : List.of(new String[] {"policies", "#policies", "p-149"}, new String[] {"validations", "#validations", ""},
                new String[] {"waypoints", "#routes", "to-nowhere"})) {
            long t = now();
            tab(page[0]);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(text(page[1])).contains(page[2]));
            timings.add(page[0] + " page: " + (now() - t) + " ms");
        }

        List<LogEntry> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        String report = "dashboard at " + (WORKLOADS + 3) + " workloads (headless chromium, this machine):\n  "
                + String.join("\n  ", timings) + "\n";
        System.out.println(report);
        Files.writeString(DashboardBrowserTest.SCREENSHOTS.resolve("scale-timings.txt"), report);
        assertThat(errors).as("console errors").isEmpty();
    }
}
