package raftkv.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws resident memory against writes, one line per series, from a CSV of {@code
 * series,writes,rssMiB} rows (what {@code bench/lifetime.sh} samples while it loads each
 * system). Plain Java2D, headless, like {@link BenchPlot}.
 */
public final class MemoryPlot {

  private static final int WIDTH = 1100;
  private static final int HEIGHT = 560;
  private static final int LEFT = 90;
  private static final int TOP = 70;
  private static final int BOTTOM = 70;
  private static final Color[] COLORS = {new Color(0x2b6cb0), new Color(0xdd6b20),
      new Color(0x38a169), new Color(0x805ad5), new Color(0xe53e3e)};

  /** One sample: after {@code writes} writes, a member's resident memory. */
  record Point(double writes, double rssMiB) {}

  private MemoryPlot() {}

  /**
   * Reads the samples; a line that is not {@code series,writes,rssMiB} (a header aside) is an
   * error naming the line.
   */
  static Map<String, List<Point>> read(Path csv) throws IOException {
    Map<String, List<Point>> series = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(csv);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("series,")) continue;
      // the series name may hold commas: the numbers are the last two fields
      int last = line.lastIndexOf(',');
      int middle = last <= 0 ? -1 : line.lastIndexOf(',', last - 1);
      try {
        if (middle <= 0) throw new NumberFormatException("3 fields expected");
        series.computeIfAbsent(line.substring(0, middle), k -> new ArrayList<>())
            .add(new Point(Double.parseDouble(line.substring(middle + 1, last)),
                Double.parseDouble(line.substring(last + 1))));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(csv + " line " + (i + 1) + " is not"
            + " series,writes,rssMiB: " + line);
      }
    }
    if (series.isEmpty()) throw new IllegalArgumentException(csv + " holds no samples");
    return series;
  }

  /** Draws {@code csv}'s samples into {@code png}, titled {@code title}. */
  public static void write(Path csv, Path png, String title) throws IOException {
    Map<String, List<Point>> series = read(csv);
    BufferedImage image = BenchPlot.canvas(WIDTH, HEIGHT);
    Graphics2D g = image.createGraphics();
    BenchPlot.smooth(g, WIDTH, HEIGHT);
    double maxWrites = 1;
    double maxRss = 1;
    for (List<Point> points : series.values()) {
      for (Point p : points) {
        maxWrites = Math.max(maxWrites, p.writes());
        maxRss = Math.max(maxRss, p.rssMiB());
      }
    }
    maxWrites = BenchPlot.niceCeiling(maxWrites);
    maxRss = BenchPlot.niceCeiling(maxRss);
    int right = WIDTH - 40;
    int bottom = HEIGHT - BOTTOM;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, LEFT, 32);
    axes(g, maxWrites, maxRss, right, bottom);
    int index = 0;
    for (Map.Entry<String, List<Point>> s : series.entrySet()) {
      Color color = COLORS[index % COLORS.length];
      g.setColor(color);
      g.setStroke(new BasicStroke(2.2f));
      int[] previous = null;
      for (Point p : s.getValue()) {
        int x = LEFT + (int) Math.round((right - LEFT) * p.writes() / maxWrites);
        int y = bottom - (int) Math.round((bottom - TOP) * p.rssMiB() / maxRss);
        if (previous != null) g.drawLine(previous[0], previous[1], x, y);
        g.fillOval(x - 3, y - 3, 6, 6);
        previous = new int[] {x, y};
      }
      g.fillRect(LEFT + 10, TOP + 8 + 20 * index, 14, 4);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.drawString(s.getKey(), LEFT + 30, TOP + 14 + 20 * index);
      index++;
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static void axes(Graphics2D g, double maxWrites, double maxRss, int right, int bottom) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i <= 5; i++) {
      int y = bottom - (bottom - TOP) * i / 5;
      g.setColor(new Color(0xe2e8f0));
      g.drawLine(LEFT, y, right, y);
      g.setColor(Color.DARK_GRAY);
      String label = String.format(Locale.ROOT, "%,.0f", maxRss * i / 5);
      g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
      int x = LEFT + (right - LEFT) * i / 5;
      String writes = String.format(Locale.ROOT, "%,.0f", maxWrites * i / 5);
      g.drawString(writes, x - g.getFontMetrics().stringWidth(writes) / 2, bottom + 18);
    }
    g.setColor(Color.BLACK);
    g.drawLine(LEFT, bottom, right, bottom);
    g.drawLine(LEFT, TOP, LEFT, bottom);
    g.drawString("writes", (LEFT + right) / 2 - 20, bottom + 40);
    g.drawString("resident MiB", 10, TOP - 12);
  }
}
