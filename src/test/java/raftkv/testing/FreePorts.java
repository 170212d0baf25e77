package raftkv.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/** Ports for tests that must name them up front (configurations list every member's ports). */
public final class FreePorts {

  private static final AtomicInteger NEXT =
      new AtomicInteger(20_000 + new Random().nextInt(5_000) * 2);

  private FreePorts() {}

  /**
   * A port that is free now and below Linux's ephemeral range (32768+): a port the OS hands out
   * to some outgoing connection meanwhile cannot then take it before a restarted node rebinds it.
   */
  public static int next() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = NEXT.getAndIncrement();
      if (port >= 32_000) NEXT.set(20_000);
      try (ServerSocket socket = new ServerSocket(port)) {
        socket.setReuseAddress(true);
        return port;
      } catch (IOException taken) {
        // try the next one
      }
    }
    throw new IllegalStateException("no free port between 20000 and 32000");
  }
}
