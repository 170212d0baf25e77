package raftkv.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * Draws the benchmark as a PNG: per scenario, raftkv's and etcd's throughput (upper panel) and
 * p99 latency (lower panel) as bars side by side. Plain Java2D, headless, no chart library.
 */
final class BenchPlot {

  private static final int WIDTH = 1200;
  private static final int PANEL_HEIGHT = 330;
  private static final int MARGIN_LEFT = 90;
  private static final int MARGIN_TOP = 60;
  private static final Color RAFTKV = new Color(0x2b6cb0);
  private static final Color ETCD = new Color(0xdd6b20);

  private BenchPlot() {}

  /** @param stamp what made the numbers (revision, date), drawn under the title; may be empty */
  static void write(List<BenchReport.Scenario> scenarios, String stamp, Path file)
      throws IOException {
    int height = MARGIN_TOP + 2 * (PANEL_HEIGHT + 70) + 20;
    BufferedImage image = canvas(WIDTH, height);
    Graphics2D g = image.createGraphics();
    smooth(g, WIDTH, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString("raftkv vs etcd 3.4, 3 nodes each, same machine, durable writes", MARGIN_LEFT, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(stamp, MARGIN_LEFT, 48);
    legend(g, WIDTH - 260, 22);
    panel(g, scenarios, MARGIN_TOP, "throughput (ok/s, higher is better)",
        BenchReport.Run::okPerSecond, "%,.0f");
    panel(g, scenarios, MARGIN_TOP + PANEL_HEIGHT + 70, "p99 latency (ms, lower is better)",
        BenchReport.Run::p99, "%.1f");
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static void legend(Graphics2D g, int x, int y) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    g.setColor(RAFTKV);
    g.fillRect(x, y - 11, 14, 14);
    g.setColor(Color.BLACK);
    g.drawString("raftkv", x + 20, y);
    g.setColor(ETCD);
    g.fillRect(x + 100, y - 11, 14, 14);
    g.setColor(Color.BLACK);
    g.drawString("etcd", x + 120, y);
  }

  private static void panel(Graphics2D g, List<BenchReport.Scenario> scenarios, int top,
      String title, ToDoubleFunction<BenchReport.Run> value, String format) {
    int plotWidth = WIDTH - MARGIN_LEFT - 30;
    int bottom = top + PANEL_HEIGHT;
    double max = 0;
    for (BenchReport.Scenario s : scenarios) {
      for (String system : List.of("raftkv", "etcd")) {
        BenchReport.Run run = s.get(system);
        if (run != null && !Double.isNaN(value.applyAsDouble(run))) {
          max = Math.max(max, value.applyAsDouble(run));
        }
      }
    }
    if (max <= 0) max = 1;
    max = niceCeiling(max);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.setColor(Color.BLACK);
    g.drawString(title, MARGIN_LEFT, top + 18);
    int axisTop = top + 30;
    // grid and axis labels
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i <= 4; i++) {
      int y = bottom - (bottom - axisTop) * i / 4;
      g.setColor(new Color(0xe2e8f0));
      g.drawLine(MARGIN_LEFT, y, MARGIN_LEFT + plotWidth, y);
      g.setColor(Color.DARK_GRAY);
      String label = String.format(Locale.ROOT, format, max * i / 4);
      g.drawString(label, MARGIN_LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1.2f));
    g.drawLine(MARGIN_LEFT, bottom, MARGIN_LEFT + plotWidth, bottom);
    int groupWidth = plotWidth / Math.max(1, scenarios.size());
    int barWidth = Math.min(48, (groupWidth - 24) / 2);
    for (int i = 0; i < scenarios.size(); i++) {
      BenchReport.Scenario s = scenarios.get(i);
      int groupLeft = MARGIN_LEFT + i * groupWidth + (groupWidth - 2 * barWidth) / 2;
      bar(g, s.get("raftkv"), value, format, max, groupLeft, barWidth, axisTop, bottom, RAFTKV);
      bar(g, s.get("etcd"), value, format, max, groupLeft + barWidth, barWidth, axisTop, bottom,
          ETCD);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      FontMetrics fm = g.getFontMetrics();
      int labelX = MARGIN_LEFT + i * groupWidth + (groupWidth - fm.stringWidth(s.name())) / 2;
      g.drawString(s.name(), labelX, bottom + 18);
    }
  }

  private static void bar(Graphics2D g, BenchReport.Run run, ToDoubleFunction<BenchReport.Run> f,
      String format, double max, int x, int width, int axisTop, int bottom, Color color) {
    if (run == null || Double.isNaN(f.applyAsDouble(run))) return;
    double v = f.applyAsDouble(run);
    int h = (int) Math.round((bottom - axisTop) * Math.min(1, v / max));
    g.setColor(color);
    g.fillRect(x, bottom - h, width - 4, h);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    String label = String.format(Locale.ROOT, format, v);
    int lw = g.getFontMetrics().stringWidth(label);
    g.drawString(label, x + (width - 4 - lw) / 2, bottom - h - 3);
  }

  /** A blank image to draw a plot on (headless: no display needed). */
  static BufferedImage canvas(int width, int height) {
    System.setProperty("java.awt.headless", "true");
    return new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
  }

  /** Antialiased shapes and text on a white background. */
  static void smooth(Graphics2D g, int width, int height) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}: round numbers on the axis. */
  static double niceCeiling(double v) {
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 1.2, 1.5, 2, 2.5, 5, 10}) {
      if (step * power >= v) return step * power;
    }
    return 10 * power;
  }
}
