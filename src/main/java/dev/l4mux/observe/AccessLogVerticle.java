package dev.l4mux.observe;

import dev.l4mux.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Writes one JSON line per closed connection (CONTRACT section 6) to the logger {@code l4mux.access},
 * which by default prints the bare line on stdout, or in {@code DIR/access.log} with a log
 * directory ({@link LogFiles}). Its consumer only queues each batch for an {@link AccessLogWriter},
 * which formats and writes on a thread of its own, so neither a slow stdout or disk nor a lock
 * shared with a writer can hold up an event loop. Operators can re-route the logger through
 * {@code java.util.logging} configuration.
 */
public final class AccessLogVerticle extends VerticleBase {

  public static final String LOGGER_NAME = "l4mux.access";
  private static final Logger ACCESS = Logger.getLogger(LOGGER_NAME);

  private static final LineHandler STDOUT =
      new LineHandler(LogFiles.accessLog() != null ? LogFiles.accessLog() : LineSink.stdout());

  static {
    if (ACCESS.getHandlers().length == 0 && System.getProperty("java.util.logging.config.file") == null) {
      ACCESS.setUseParentHandlers(false);
      ACCESS.addHandler(STDOUT);
    }
  }

  private final dev.l4mux.NodeState state;

  private MessageConsumer<ConnectionsClosed> consumer;
  private MessageConsumer<FlowsEnded> flowConsumer;
  private AccessLogWriter writer;

  public AccessLogVerticle(dev.l4mux.NodeState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    // Lines are flushed once per poll of the writer: one write system call per period, not per line.
    writer = new AccessLogWriter("l4mux-access-log-" + state.nodeName(), STDOUT::flush);
    consumer =
        vertx.eventBus()
            .<ConnectionsClosed>localConsumer(Addresses.CONNECTION_EVENTS)
            .handler(message -> {
              ConnectionsClosed batch = message.body();
              writer.offer(() -> log(batch));
            });
    flowConsumer =
        vertx.eventBus()
            .<FlowsEnded>localConsumer(Addresses.FLOW_EVENTS)
            .handler(message -> {
              FlowsEnded batch = message.body();
              writer.offer(() -> batch.flows().forEach(flow -> logLine(flow.toJsonLine())));
            });
    return Future.all(consumer.completion(), flowConsumer.completion());
  }

  /** How long a stopping node waits for the writer to write what is queued. */
  private static final long CLOSE_WAIT_MS = 5_000;

  private static void log(ConnectionsClosed batch) {
    Handler[] handlers = ACCESS.getHandlers();
    boolean reset = handlers.length == 0 && !ACCESS.getUseParentHandlers();
    if (reset || (handlers.length == 1 && handlers[0] == STDOUT && !ACCESS.getUseParentHandlers())) {
      // java.util.logging resets itself (dropping every handler) in a JVM shutdown hook, which runs
      // while we drain on SIGTERM: keep the default stdout line so no connection goes unlogged.
      if (reset || ACCESS.isLoggable(Level.INFO)) {
        StringBuilder lines = new StringBuilder(batch.connections().size() * 384);
        batch.connections().forEach(closed -> closed.appendJsonLine(lines).append('\n'));
        STDOUT.printLines(lines);
      }
    } else if (ACCESS.isLoggable(Level.INFO)) {
      batch.connections().forEach(closed -> ACCESS.info(closed.toJsonLine())); // the operator's own handlers
    }
  }

  /** One line (an ended UDP flow): the same handlers as connections' lines. */
  private static void logLine(String line) {
    Handler[] handlers = ACCESS.getHandlers();
    boolean reset = handlers.length == 0 && !ACCESS.getUseParentHandlers();
    if (reset || (handlers.length == 1 && handlers[0] == STDOUT && !ACCESS.getUseParentHandlers())) {
      if (reset || ACCESS.isLoggable(Level.INFO)) {
        STDOUT.printLines(line + "\n");
      }
    } else if (ACCESS.isLoggable(Level.INFO)) {
      ACCESS.info(line);
    }
  }

  /** Keeps logging while the listeners drain, so every connection of a stopping node is logged. */
  @Override
  public Future<?> stop() {
    return state.awaitDrained(vertx, state.drainLimit())
        .compose(v -> vertx.timer(100)) // the last close events are still on their way
        .compose(v -> consumer.unregister())
        .compose(v -> flowConsumer.unregister())
        .onComplete(v -> writer.close(CLOSE_WAIT_MS));
  }

  /** Prints the message alone, one line per record, to stdout or the access log file. */
  private static final class LineHandler extends Handler {
    private final LineSink sink;

    LineHandler(LineSink sink) {
      this.sink = sink;
    }

    @Override
    public void publish(LogRecord record) {
      if (isLoggable(record)) {
        sink.write(record.getMessage() + "\n");
      }
    }

    /** Lines that already end with a line break: one write for a whole batch. */
    void printLines(CharSequence lines) {
      sink.write(lines);
    }

    @Override
    public void flush() {
      sink.flush();
    }

    @Override
    public void close() {
      sink.flush();
    }
  }
}
