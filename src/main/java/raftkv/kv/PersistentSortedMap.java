package raftkv.kv;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * An immutable sorted map: {@link #put} and {@link #remove} return a new map and leave this one
 * as it was, sharing every node they did not change (a treap with path copying: O(log n) new
 * nodes per change, expected). Holding on to a map is therefore a consistent, free view of the
 * store at one moment, which a worker can write out as a snapshot while the event loop goes on
 * changing the newer maps.
 *
 * <p>Node priorities are random, so the tree's shape (never its content or order) differs from
 * run to run; expected depth is about 2.5 log2 n whatever the order keys arrive in.
 *
 * <p>Thread-safe as any immutable value: a map may be read from any thread once published.
 */
final class PersistentSortedMap<K, V> implements Iterable<V> {

  private static final class Node<K, V> {
    final K key;
    final V value;
    final int priority;
    final Node<K, V> left;
    final Node<K, V> right;

    Node(K key, V value, int priority, Node<K, V> left, Node<K, V> right) {
      this.key = key;
      this.value = value;
      this.priority = priority;
      this.left = left;
      this.right = right;
    }

    Node<K, V> withChildren(Node<K, V> newLeft, Node<K, V> newRight) {
      return newLeft == left && newRight == right ? this
          : new Node<>(key, value, priority, newLeft, newRight);
    }
  }

  private final Comparator<? super K> order;
  private final Node<K, V> root;
  private final int size;

  private PersistentSortedMap(Comparator<? super K> order, Node<K, V> root, int size) {
    this.order = order;
    this.root = root;
    this.size = size;
  }

  static <K extends Comparable<? super K>, V> PersistentSortedMap<K, V> empty() {
    return new PersistentSortedMap<>(Comparator.naturalOrder(), null, 0);
  }

  static <K, V> PersistentSortedMap<K, V> empty(Comparator<? super K> order) {
    return new PersistentSortedMap<>(order, null, 0);
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  V get(K key) {
    Node<K, V> n = root;
    while (n != null) {
      int c = order.compare(key, n.key);
      if (c == 0) return n.value;
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  /** This map with {@code key} mapped to {@code value} (a new key, or a replaced value). */
  PersistentSortedMap<K, V> put(K key, V value) {
    boolean[] added = {false};
    Node<K, V> newRoot = insert(root, key, value, added);
    return new PersistentSortedMap<>(order, newRoot, added[0] ? size + 1 : size);
  }

  /** This map without {@code key}; this very map if the key is absent. */
  PersistentSortedMap<K, V> remove(K key) {
    Node<K, V> newRoot = delete(root, key);
    return newRoot == root ? this : new PersistentSortedMap<>(order, newRoot, size - 1);
  }

  /** The value of the smallest key, or null when empty. */
  V firstValue() {
    Node<K, V> n = root;
    if (n == null) return null;
    while (n.left != null) n = n.left;
    return n.value;
  }

  /** The values in key order. */
  @Override
  public Iterator<V> iterator() {
    return new InOrder<>(root, null, order);
  }

  /** The values whose keys are at or after {@code from}, in key order. */
  Iterator<V> valuesFrom(K from) {
    return new InOrder<>(root, from, order);
  }

  /** Every key and value, in key order. */
  void forEach(BiConsumer<? super K, ? super V> action) {
    ArrayDeque<Node<K, V>> stack = new ArrayDeque<>();
    Node<K, V> n = root;
    while (n != null || !stack.isEmpty()) {
      while (n != null) {
        stack.push(n);
        n = n.left;
      }
      n = stack.pop();
      action.accept(n.key, n.value);
      n = n.right;
    }
  }

  private Node<K, V> insert(Node<K, V> n, K key, V value, boolean[] added) {
    if (n == null) {
      added[0] = true;
      return new Node<>(key, value, randomPriority(), null, null);
    }
    int c = order.compare(key, n.key);
    if (c == 0) return new Node<>(key, value, n.priority, n.left, n.right);
    if (c < 0) {
      Node<K, V> left = insert(n.left, key, value, added);
      if (left.priority > n.priority) { // rotate right: the new node rises above n
        return left.withChildren(left.left, n.withChildren(left.right, n.right));
      }
      return n.withChildren(left, n.right);
    }
    Node<K, V> right = insert(n.right, key, value, added);
    if (right.priority > n.priority) { // rotate left
      return right.withChildren(n.withChildren(n.left, right.left), right.right);
    }
    return n.withChildren(n.left, right);
  }

  private Node<K, V> delete(Node<K, V> n, K key) {
    if (n == null) return null;
    int c = order.compare(key, n.key);
    if (c == 0) return merge(n.left, n.right);
    if (c < 0) {
      Node<K, V> left = delete(n.left, key);
      return left == n.left ? n : n.withChildren(left, n.right);
    }
    Node<K, V> right = delete(n.right, key);
    return right == n.right ? n : n.withChildren(n.left, right);
  }

  /** Joins two treaps whose keys are all smaller in {@code a} than in {@code b}. */
  private static <K, V> Node<K, V> merge(Node<K, V> a, Node<K, V> b) {
    if (a == null) return b;
    if (b == null) return a;
    if (a.priority > b.priority) return a.withChildren(a.left, merge(a.right, b));
    return b.withChildren(merge(a, b.left), b.right);
  }

  private static int randomPriority() {
    return ThreadLocalRandom.current().nextInt();
  }

  /** Builds a map from keys given in strictly ascending order, in O(n). */
  static final class Builder<K, V> {
    private final Comparator<? super K> order;
    /** The right spine of the tree built so far, root first; nodes on it are still mutable. */
    private final ArrayDeque<MutableNode<K, V>> spine = new ArrayDeque<>();
    private K lastKey;
    private int size;

    Builder(Comparator<? super K> order) {
      this.order = order;
    }

    /** Adds the next key; it must be larger than every key added so far. */
    void add(K key, V value) {
      if (size > 0 && order.compare(lastKey, key) >= 0) {
        throw new IllegalArgumentException("keys out of order: " + key + " after " + lastKey);
      }
      lastKey = key;
      size++;
      // Cartesian-tree construction: the new node goes on the right spine, below the last node
      // whose priority beats its own, and adopts the spine below that as its left subtree.
      MutableNode<K, V> node = new MutableNode<>(key, value, randomPriority());
      MutableNode<K, V> lastPopped = null;
      while (!spine.isEmpty() && spine.peekLast().priority < node.priority) {
        lastPopped = spine.pollLast();
      }
      node.left = lastPopped;
      if (!spine.isEmpty()) spine.peekLast().right = node;
      spine.addLast(node);
    }

    int size() {
      return size;
    }

    PersistentSortedMap<K, V> build() {
      MutableNode<K, V> top = spine.peekFirst();
      return new PersistentSortedMap<>(order, top == null ? null : top.freeze(), size);
    }
  }

  private static final class MutableNode<K, V> {
    final K key;
    final V value;
    final int priority;
    MutableNode<K, V> left;
    MutableNode<K, V> right;

    MutableNode(K key, V value, int priority) {
      this.key = key;
      this.value = value;
      this.priority = priority;
    }

    /** The immutable copy of this subtree (its depth is logarithmic, as any treap's). */
    Node<K, V> freeze() {
      return new Node<>(key, value, priority, left == null ? null : left.freeze(),
          right == null ? null : right.freeze());
    }
  }

  /** In-order traversal with an explicit stack, optionally starting at a key. */
  private static final class InOrder<K, V> implements Iterator<V> {
    private final ArrayDeque<Node<K, V>> stack = new ArrayDeque<>();

    InOrder(Node<K, V> root, K from, Comparator<? super K> order) {
      Node<K, V> n = root;
      while (n != null) {
        if (from == null || order.compare(from, n.key) <= 0) {
          stack.push(n); // n is at or after from: visit it, after its left side
          n = n.left;
        } else {
          n = n.right; // n and its left side are before from
        }
      }
    }

    @Override
    public boolean hasNext() {
      return !stack.isEmpty();
    }

    @Override
    public V next() {
      if (stack.isEmpty()) throw new NoSuchElementException();
      Node<K, V> n = stack.pop();
      for (Node<K, V> m = n.right; m != null; m = m.left) stack.push(m);
      return n.value;
    }
  }
}
