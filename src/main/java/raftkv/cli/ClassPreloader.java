package raftkv.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads, on the calling thread, the classes a node or gateway will need as it starts and serves
 * its first requests (the list in {@value #LIST}). Loading a class for the first time (reading it
 * from the jar, inflating and verifying it) takes a while; done on an event loop at start, it
 * blocked the loop for up to 1.6 s on a busy machine, and Vert.x warned of a blocked thread. Done
 * here, before the event loops get work, it costs the same time once and blocks nothing.
 *
 * <p>Classes are loaded, not initialized, except the few that are slow to initialize ({@link
 * #initializeSlowStarters}). A class the list names and the jar lacks (the list is older than a
 * dependency) is skipped. {@code -Draftkv.noPreload=true} turns it off, for
 * {@code bench/preload-classes.sh}, which makes the list.
 */
final class ClassPreloader {

  static final String LIST = "/raftkv/preload-classes.txt";

  private static final Logger LOG = LoggerFactory.getLogger(ClassPreloader.class);

  private ClassPreloader() {}

  /** Loads every listed class it can; returns how many it loaded. */
  static int preload() {
    if (Boolean.getBoolean("raftkv.noPreload")) return 0;
    long started = System.nanoTime();
    ClassLoader loader = ClassPreloader.class.getClassLoader();
    int loaded = 0;
    int missing = 0;
    try (InputStream list = ClassPreloader.class.getResourceAsStream(LIST)) {
      if (list == null) return 0;
      BufferedReader lines = new BufferedReader(new InputStreamReader(list,
          StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String name = line.trim();
        if (name.isEmpty() || name.startsWith("#")) continue;
        try {
          Class.forName(name, false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError gone) {
          missing++;
        }
      }
    } catch (IOException e) {
      LOG.debug("could not read {}: {}", LIST, e.toString());
    }
    initializeSlowStarters(loader);
    LOG.debug("preloaded {} classes in {} ms ({} listed ones are not in this build)", loaded,
        (System.nanoTime() - started) / 1_000_000, missing);
    return loaded;
  }

  /**
   * What is slow to initialize, not just to load: Netty's buffer events register with the JDK's
   * flight recorder (which builds its metadata, hundreds of ms) on the first chunk a buffer pool
   * allocates, and NIO sets up its selector provider on the first socket.
   */
  private static void initializeSlowStarters(ClassLoader loader) {
    for (String event : new String[] {"AllocateChunkEvent", "FreeChunkEvent", "ReturnChunkEvent",
        "AllocateBufferEvent", "FreeBufferEvent", "ReallocateBufferEvent"}) {
      try {
        Class.forName("io.netty.buffer." + event, true, loader);
      } catch (ClassNotFoundException | LinkageError gone) {
        // another Netty: nothing to do early
      }
    }
    try (Selector selector = Selector.open();
        ServerSocketChannel socket = ServerSocketChannel.open()) {
      selector.wakeup();
    } catch (IOException e) {
      LOG.debug("could not warm up NIO: {}", e.toString());
    }
  }
}
