package raftkv.check;

import java.util.Objects;
import java.util.Optional;

/**
 * A single integer register with read, write and compare-and-set, empty at first: the object of
 * Jepsen's etcd test, for checking the recorded histories in {@code porcupine/jepsen}.
 */
final class RegisterModel
    implements Model<RegisterModel.Register, RegisterModel.Input, RegisterModel.Output> {

  /** The register's value; {@code value} is null while it is empty. */
  record Register(Integer value) {
    static final Register EMPTY = new Register(null);

    @Override
    public String toString() {
      return value == null ? "empty" : value.toString();
    }
  }

  /** A request to the register. */
  sealed interface Input permits Read, Write, Cas {}

  record Read() implements Input {
    @Override
    public String toString() {
      return "read";
    }
  }

  record Write(int value) implements Input {
    @Override
    public String toString() {
      return "write " + value;
    }
  }

  record Cas(int expected, int value) implements Input {
    @Override
    public String toString() {
      return "cas " + expected + " -> " + value;
    }
  }

  /**
   * An answer: {@code value} is what a read saw (null when empty), {@code ok} whether a cas
   * swapped. A write's answer says nothing.
   */
  record Output(Integer value, boolean ok) {
    static final Output WRITTEN = new Output(null, true);

    static Output read(Integer value) {
      return new Output(value, true);
    }

    static Output cas(boolean swapped) {
      return new Output(null, swapped);
    }
  }

  @Override
  public Register init() {
    return Register.EMPTY;
  }

  @Override
  public Optional<Register> step(Register state, Input input, Output output) {
    if (input instanceof Write write) {
      return Optional.of(new Register(write.value()));
    }
    if (input instanceof Read) {
      boolean legal = output == null || Objects.equals(output.value(), state.value());
      return legal ? Optional.of(state) : Optional.empty();
    }
    Cas cas = (Cas) input;
    boolean matches = state.value() != null && state.value() == cas.expected();
    // An unknown outcome counts as a swap; a cas that changed nothing may also never take effect.
    boolean swapped = output == null || output.ok();
    if (swapped != matches) {
      return Optional.empty();
    }
    return Optional.of(swapped ? new Register(cas.value()) : state);
  }

  @Override
  public String describeOutput(Input input, Output output) {
    if (input instanceof Read) {
      return output.value() == null ? "empty" : output.value().toString();
    }
    if (input instanceof Cas) {
      return output.ok() ? "swapped" : "not swapped";
    }
    return "ok";
  }
}
