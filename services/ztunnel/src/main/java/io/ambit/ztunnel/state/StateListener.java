package io.ambit.ztunnel.state;

/**
 * Told after each xDS response that changed the state, on the xDS thread, after the new snapshot
 * is visible. Keep it short (hand work to another thread); an exception is logged and ignored.
 */
@FunctionalInterface
public interface StateListener {

    void onChange(StateChange change);
}
