package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PersistentSortedMapTest {

  /** Random puts and removes agree with a TreeMap at every step, and old versions stay intact. */
  @Property(tries = 200)
  void behavesAsATreeMapAndOldVersionsNeverChange(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<Integer, Integer> model = new TreeMap<>();
    PersistentSortedMap<Integer, Integer> map = PersistentSortedMap.empty();
    List<PersistentSortedMap<Integer, Integer>> versions = new ArrayList<>();
    List<TreeMap<Integer, Integer>> models = new ArrayList<>();
    int keys = 1 + random.nextInt(60);
    for (int step = 0; step < 400; step++) {
      int key = random.nextInt(keys);
      if (random.nextInt(3) == 0) {
        model.remove(key);
        map = map.remove(key);
      } else {
        model.put(key, step);
        map = map.put(key, step);
      }
      if (step % 50 == 0) {
        versions.add(map);
        models.add(new TreeMap<>(model));
      }
      assertThat(map.size()).isEqualTo(model.size());
      assertThat(map.get(key)).isEqualTo(model.get(key));
      int from = random.nextInt(keys + 2) - 1;
      assertThat(values(map.valuesFrom(from))).isEqualTo(new ArrayList<>(model.tailMap(from, true).values()));
    }
    for (int i = 0; i < versions.size(); i++) {
      assertThat(values(versions.get(i).iterator()))
          .isEqualTo(new ArrayList<>(models.get(i).values()));
    }
    Integer first = model.isEmpty() ? null : model.firstEntry().getValue();
    assertThat(map.firstValue()).isEqualTo(first);
  }

  @Test
  void aBuiltMapEqualsOneMadeByPutsAndTakesPutsAfterwards() {
    PersistentSortedMap.Builder<Integer, Integer> builder =
        new PersistentSortedMap.Builder<>(Comparator.naturalOrder());
    TreeMap<Integer, Integer> model = new TreeMap<>();
    for (int i = 0; i < 10_000; i += 2) {
      builder.add(i, i);
      model.put(i, i);
    }
    PersistentSortedMap<Integer, Integer> map = builder.build();
    for (int i = 1; i < 20_000; i += 7) {
      map = map.put(i, -i);
      model.put(i, -i);
    }
    for (int i = 0; i < 20_000; i += 5) {
      map = map.remove(i);
      model.remove(i);
    }
    assertThat(map.size()).isEqualTo(model.size());
    assertThat(values(map.iterator())).isEqualTo(new ArrayList<>(model.values()));
    List<Integer> keys = new ArrayList<>();
    map.forEach((k, v) -> keys.add(k));
    assertThat(keys).isEqualTo(new ArrayList<>(model.keySet()));
  }

  @Test
  void sequentialKeysStayShallow() {
    PersistentSortedMap<Integer, Integer> map = PersistentSortedMap.empty();
    for (int i = 0; i < 200_000; i++) map = map.put(i, i); // would overflow the stack if a list
    for (int i = 0; i < 200_000; i += 2) map = map.remove(i);
    assertThat(map.size()).isEqualTo(100_000);
    assertThat(map.get(199_999)).isEqualTo(199_999);
  }

  private static <V> List<V> values(Iterator<V> it) {
    List<V> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
