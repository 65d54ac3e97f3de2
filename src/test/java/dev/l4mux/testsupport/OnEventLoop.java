package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Starts asynchronous work on a Vert.x event loop instead of the test thread.
 *
 * <p>Why: a socket delivers what it reads only to the handlers it has, and drops the rest. A test
 * thread that connects and then sets handlers in {@code compose} races the socket's event loop:
 * when the connect completes before {@code compose} is registered, the callback runs on the test
 * thread later, and bytes read meanwhile are lost. Registered on the event loop, the callback
 * runs in the connect's own completion, before the socket's first read.
 */
public final class OnEventLoop {

  private OnEventLoop() {}

  /** Runs {@code work} on a new context of {@code vertx}; completes as the future it returns does. */
  public static <T> Future<T> call(Vertx vertx, Supplier<Future<T>> work) {
    Promise<T> result = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> work.get().onComplete(result));
    return result.future();
  }
}
