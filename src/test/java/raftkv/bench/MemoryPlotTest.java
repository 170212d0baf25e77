package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryPlotTest {

  @TempDir Path dir;

  @Test
  void samplesBecomeOneLinePerSeries() throws Exception {
    Path csv = dir.resolve("memory.csv");
    Files.writeString(csv, "series,writes,rssMiB\netcd,0,30\netcd,500000,300\n"
        + "raftkv, 1,000,000 keys,0,120\nraftkv, 1,000,000 keys,500000,400\n"
        + "raftkv, 1,000,000 keys,1000000,520\n");
    assertThat(MemoryPlot.read(csv)).containsOnlyKeys("etcd", "raftkv, 1,000,000 keys")
        .satisfies(m -> assertThat(m.get("raftkv, 1,000,000 keys")).hasSize(3)
            .last().isEqualTo(new MemoryPlot.Point(1_000_000, 520)));

    Path png = dir.resolve("memory.png");
    MemoryPlot.write(csv, png, "test");
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1100);
    assertThat(image.getHeight()).isEqualTo(560);
  }

  @Test
  void aLineThatIsNotASampleIsNamed() throws Exception {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "etcd,0,30\netcd,lots,300\n");
    assertThatThrownBy(() -> MemoryPlot.read(csv)).hasMessageContaining("line 2");
    Files.writeString(csv, "\n");
    assertThatThrownBy(() -> MemoryPlot.read(csv)).hasMessageContaining("no samples");
  }
}
