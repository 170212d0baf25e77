package raftkv.sim;

/** A safety or liveness property was violated. */
final class SimulationFailure extends RuntimeException {
  SimulationFailure(String message) {
    super(message);
  }
}
