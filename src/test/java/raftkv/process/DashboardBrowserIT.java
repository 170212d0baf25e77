package raftkv.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through ChromeDriver by
 * Selenium, against a cluster of real processes started by {@code cluster.sh}. The page must show
 * the leader, carry out a leadership transfer and a learner's addition and removal from its own
 * forms, and show the new leader within seconds of the old one being SIGKILLed. Screenshots go to
 * {@code target/dashboard*.png}.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} ({@code
 * .ci/install-browser.sh} installs them). Without them the test is skipped, unless {@code
 * RAFTKV_REQUIRE_BROWSER=1} (CI sets it), where it fails.
 */
class DashboardBrowserIT {

  private static final int BASE_PORT = 17_300;
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WITHIN = Duration.ofSeconds(15);

  @TempDir Path data;
  @TempDir Path browserProfile;
  private ChromeDriverService service;
  private WebDriver browser;
  private boolean clusterStarted;

  @BeforeEach
  void needsABrowser() {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present && "1".equals(System.getenv("RAFTKV_REQUIRE_BROWSER"))) {
      throw new AssertionError("the dashboard's browser test needs " + CHROMIUM + " and "
          + CHROMEDRIVER + ": run .ci/install-browser.sh (as root)");
    }
    Assumptions.assumeTrue(present, "no " + CHROMIUM + " or " + CHROMEDRIVER
        + ": the dashboard's browser test is skipped (.ci/install-browser.sh installs them)");
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (browser != null) browser.quit();
    } finally {
      try {
        if (service != null) service.stop();
      } finally {
        if (clusterStarted) ClusterSh.run(data, BASE_PORT, "stop");
      }
    }
  }

  @Test
  void showsTheLeaderCarriesOutMembershipActionsAndFollowsAFailover() throws Exception {
    clusterStarted = true; // before: a start that fails half-way leaves processes to stop
    String out = ClusterSh.run(data, BASE_PORT, "start", "3");
    assertThat(out).contains("raftkv is up");
    openBrowser();

    browser.get("http://127.0.0.1:" + (BASE_PORT + 1000) + "/ui/"); // the gateway's
    int leader = awaitLeader(0);
    assertThat(browser.findElements(By.cssSelector("#nodes tbody tr[data-node-id]")))
        .hasSize(3);
    assertThat(row(leader).getAttribute("data-role")).isEqualTo("LEADER");
    awaitEventsAtLeast(3); // a stream, not one answer: at least one event a second
    screenshot("dashboard-start.png");

    // transfer leadership from the page's own form
    int target = leader == 1 ? 2 : 1;
    new Select(browser.findElement(By.id("transfer-to"))).selectByValue(Integer.toString(target));
    browser.findElement(By.cssSelector("#op-transfer button[type=submit]")).click();
    awaitLeader(0, target);
    awaitResult("#op-transfer");
    leader = target;

    // add a learner (node 4, not started: a learner does not vote, so the change commits)
    WebElement add = browser.findElement(By.id("op-add"));
    add.findElement(By.name("id")).sendKeys("4");
    type(add.findElement(By.name("raftPort")), Integer.toString(BASE_PORT + 4));
    type(add.findElement(By.name("clientPort")), Integer.toString(BASE_PORT + 1004));
    add.findElement(By.cssSelector("button[type=submit]")).click();
    awaitResult("#op-add");
    wait(WITHIN).until(d -> !d.findElements(By.cssSelector("#nodes tbody tr[data-node-id='4']"))
        .isEmpty());
    screenshot("dashboard-learner.png");

    // and remove it again, confirming the page's question
    new Select(browser.findElement(By.id("remove-id"))).selectByValue("4");
    browser.findElement(By.cssSelector("#op-remove button[type=submit]")).click();
    wait(WITHIN).until(ExpectedConditions.alertIsPresent()).accept();
    awaitResult("#op-remove");
    wait(WITHIN).until(d -> d.findElements(By.cssSelector("#nodes tbody tr[data-node-id='4']"))
        .isEmpty());

    // SIGKILL the leader: the page names another one within a few seconds
    long killedAt = System.nanoTime();
    ClusterSh.run(data, BASE_PORT, "kill", Integer.toString(leader));
    int next = awaitLeader(leader);
    System.out.printf("dashboard: node %d killed, node %d shown as leader after %d ms%n", leader,
        next, (System.nanoTime() - killedAt) / 1_000_000);
    int killed = leader;
    wait(WITHIN).until(d -> "UNREACHABLE".equals(row(killed).getAttribute("data-role")));
    assertThat(browser.findElements(By.cssSelector("#timeline [data-leader-id='" + next + "']")))
        .isNotEmpty();
    screenshot("dashboard.png");

    // every node serves the dashboard too
    int follower = 6 - killed - next; // the third of nodes 1, 2 and 3
    browser.get("http://127.0.0.1:" + (BASE_PORT + 1000 + follower) + "/ui/");
    assertThat(awaitLeader(0)).isEqualTo(next);

    assertThat(severeConsoleErrors()).as("errors in the browser's console").isEmpty();
  }

  /**
   * With TLS and tokens, the page asks for a token, reads the cluster's stream with it (its
   * cookie), and sends it with its own requests: a read token's transfer is refused by role.
   */
  @Test
  void asksForATokenAndUsesItOverHttps() throws Exception {
    clusterStarted = true;
    String out = ClusterSh.run(data, BASE_PORT, "start", "3", "--tls", "--auth");
    assertThat(out).contains("raftkv is up");
    String reader = Files.readString(data.resolve("auth/read.token")).trim();
    openBrowser();

    browser.get("https://127.0.0.1:" + (BASE_PORT + 1000) + "/ui/");
    org.openqa.selenium.Alert prompt = wait(WITHIN).until(ExpectedConditions.alertIsPresent());
    assertThat(prompt.getText()).contains("needs a token");
    prompt.sendKeys(reader);
    prompt.accept();
    int leader = awaitLeader(0);
    awaitEventsAtLeast(3);

    int target = leader == 1 ? 2 : 1;
    new Select(browser.findElement(By.id("transfer-to"))).selectByValue(Integer.toString(target));
    browser.findElement(By.cssSelector("#op-transfer button[type=submit]")).click();
    WebElement result = browser.findElement(By.cssSelector("#op-transfer output.result"));
    wait(WITHIN).until(d -> (" " + result.getAttribute("class") + " ").contains(" err "));
    assertThat(result.getText()).contains("403").contains("needs admin");
    screenshot("dashboard-token.png");
  }

  private void openBrowser() throws IOException {
    service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().withLogFile(new File("target/chromedriver.log")).build();
    service.start();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1440,1500",
            "--user-data-dir=" + browserProfile);
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, Level.ALL.getName()));
    options.setAcceptInsecureCerts(true); // the throwaway CA of cluster.sh start --tls
    // the page's own token prompt is answered by the test, not dismissed by the driver
    options.setUnhandledPromptBehaviour(org.openqa.selenium.UnexpectedAlertBehaviour.IGNORE);
    browser = new ChromeDriver(service, options);
  }

  /** Waits until the page shows a leader other than {@code not} and 0; returns it. */
  private int awaitLeader(int not) {
    return wait(WITHIN).until(d -> {
      String id = d.findElement(By.id("leader")).getAttribute("data-leader-id");
      int leader = id == null || id.isEmpty() ? 0 : Integer.parseInt(id);
      return leader != 0 && leader != not ? leader : null;
    });
  }

  private void awaitLeader(int not, int expected) {
    wait(WITHIN).until(d -> Integer.toString(expected)
        .equals(d.findElement(By.id("leader")).getAttribute("data-leader-id")));
  }

  private void awaitEventsAtLeast(int events) {
    wait(WITHIN).until(d -> Integer.parseInt(d.findElement(By.tagName("body"))
        .getAttribute("data-events")) >= events);
  }

  /** Waits for the form's result line, and checks that it reports success. */
  private void awaitResult(String form) {
    WebElement result = browser.findElement(By.cssSelector(form + " output.result"));
    String kind = wait(WITHIN).until(d -> {
      String classes = " " + result.getAttribute("class") + " ";
      return classes.contains(" ok ") ? "ok" : classes.contains(" err ") ? "err" : null;
    });
    assertThat(kind).as(form + ": " + result.getText()).isEqualTo("ok");
  }

  /** Replaces what a field holds (the page suggests ports once an id is typed). */
  private static void type(WebElement field, String text) {
    field.clear();
    field.sendKeys(text);
  }

  private WebElement row(int node) {
    return browser.findElement(By.cssSelector("#nodes tbody tr[data-node-id='" + node + "']"));
  }

  private WebDriverWait wait(Duration within) {
    return new WebDriverWait(browser, within, Duration.ofMillis(100));
  }

  private void screenshot(String name) throws IOException {
    ((ChromeDriver) browser).executeScript("window.scrollTo(0, 0)");
    Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
    Path target = Path.of("target", name);
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("dashboard screenshot: " + target.toAbsolutePath());
  }

  private List<String> severeConsoleErrors() {
    List<String> severe = new ArrayList<>();
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) severe.add(entry.getMessage());
    }
    return severe;
  }
}
