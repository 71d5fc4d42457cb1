package io.github.pulse.web;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleEvent;
import org.apache.catalina.LifecycleListener;
import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.ResizableExecutor;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.jspecify.annotations.Nullable;

/**
 * Runs the completion of a pulse write on the thread that made the write, when the write finished at once, instead
 * of on another thread of Tomcat's executor.
 * <p>
 * Tomcat hands the completion of every asynchronous WebSocket write to its connector's executor, even of a write the
 * socket took at once ({@code WsRemoteEndpointImplServer.clearHandler} dispatches an {@code OnResultRunnable}): the
 * Jakarta WebSocket specification asks for it so that a send handler that sends again cannot recurse without bound.
 * Below saturation, where every connection gets one frame per write, that is one executor task and usually one
 * thread wake-up per delivery, which a blocking write on the caller's thread does not pay (measured in
 * docs/benchmarks.md). pulse's writer never recurses: a completion that comes before the write call returned only
 * marks the write done, and the writing thread goes on with the next frame. So while a pulse write call is on the
 * stack of the current thread ({@link #enter()} to {@link #exit(boolean)}), the connector's executor runs that
 * completion inline; every other task (requests, reads, completions of Tomcat's own writes, completions of writes
 * that had to wait for the socket) goes to Tomcat's executor as before.
 * <p>
 * The connector's executor is wrapped when the connector has started and unwrapped before it stops, so Tomcat shuts
 * its own pool down as it always does and its thread-pool metrics (JMX, Micrometer's {@code tomcat.threads.*}) read
 * through the wrapper. The wrapper is installed through two reflective handles on Tomcat's internals (the protocol's
 * endpoint and the endpoint's executor field), resolved once; without them (another Tomcat, or a security manager)
 * nothing is installed and completions are dispatched as before. Switched by
 * {@code pulse.container.inline-write-completions}.
 */
public final class TomcatInlineCompletions {

	private static final Log logger = LogFactory.getLog(TomcatInlineCompletions.class);

	private static final ThreadLocal<boolean[]> WRITING = ThreadLocal.withInitial(() -> new boolean[1]);

	private static final @Nullable Access ACCESS = Access.resolve();

	private TomcatInlineCompletions() {
	}

	/**
	 * Whether Tomcat's internals that this needs were found.
	 * @return {@code true} if {@link #install} can wrap a connector's executor
	 */
	public static boolean isAvailable() {
		return ACCESS != null;
	}

	/**
	 * Wraps the connector's executor each time it has started, and unwraps it before it stops. Does nothing if the
	 * internals were not found or the connector's protocol has no executor of its own.
	 * @param connector the connector
	 */
	public static void install(Connector connector) {
		Access access = ACCESS;
		if (access == null) {
			return;
		}
		connector.addLifecycleListener(new ConnectorListener(access));
	}

	/**
	 * Marks the current thread as making a pulse write; completions of it that Tomcat dispatches meanwhile run
	 * inline.
	 * @return what to give {@link #exit}
	 */
	static boolean enter() {
		boolean[] writing = WRITING.get();
		boolean outer = writing[0];
		writing[0] = true;
		return outer;
	}

	/**
	 * Ends what {@link #enter} began.
	 * @param outer what {@link #enter} returned
	 */
	static void exit(boolean outer) {
		WRITING.get()[0] = outer;
	}

	/**
	 * The executor a connector's endpoint uses while pulse is installed on it.
	 * @param connector the connector
	 * @return the wrapper, or {@code null} if the connector's executor is not wrapped
	 */
	static @Nullable InlineExecutor installedOn(Connector connector) {
		return (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol
				&& protocol.getExecutor() instanceof InlineExecutor inline) ? inline : null;
	}

	/**
	 * Wraps and unwraps a connector's executor around its life.
	 */
	private record ConnectorListener(Access access) implements LifecycleListener {

		@Override
		public void lifecycleEvent(LifecycleEvent event) {
			if (!(event.getLifecycle() instanceof Connector connector)
					|| !(connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol)) {
				return;
			}
			if (Lifecycle.AFTER_START_EVENT.equals(event.getType())) {
				Executor executor = protocol.getExecutor();
				if (executor != null && !(executor instanceof InlineExecutor)) {
					this.access.swap(protocol, new InlineExecutor(executor, this.access.onResult()));
				}
			}
			else if (Lifecycle.BEFORE_STOP_EVENT.equals(event.getType())
					&& protocol.getExecutor() instanceof InlineExecutor inline) {
				this.access.swap(protocol, inline.delegate);
			}
		}

	}

	/**
	 * The connector's executor, running the completions of pulse's own writes inline.
	 */
	static final class InlineExecutor implements ResizableExecutor {

		final Executor delegate;

		private final Class<?> inlined;

		final LongAdder inline = new LongAdder();

		InlineExecutor(Executor delegate, Class<?> inlined) {
			this.delegate = delegate;
			this.inlined = inlined;
		}

		@Override
		public void execute(Runnable command) {
			if (command.getClass() == this.inlined) {
				boolean[] writing = WRITING.get();
				if (writing[0]) {
					// what the completion sends (Tomcat's next queued part) is dispatched again: no recursion
					writing[0] = false;
					this.inline.increment();
					try {
						command.run();
					}
					catch (RuntimeException ex) {
						// on the executor it would have ended the task, not the write that is on this stack
						logger.error("A WebSocket write completion failed", ex);
					}
					finally {
						writing[0] = true;
					}
					return;
				}
			}
			this.delegate.execute(command);
		}

		@Override
		public int getPoolSize() {
			if (this.delegate instanceof ThreadPoolExecutor pool) {
				return pool.getPoolSize();
			}
			return (this.delegate instanceof ResizableExecutor resizable) ? resizable.getPoolSize() : -1;
		}

		@Override
		public int getMaxThreads() {
			if (this.delegate instanceof ThreadPoolExecutor pool) {
				return pool.getMaximumPoolSize();
			}
			return (this.delegate instanceof ResizableExecutor resizable) ? resizable.getMaxThreads() : -1;
		}

		@Override
		public int getActiveCount() {
			if (this.delegate instanceof ThreadPoolExecutor pool) {
				return pool.getActiveCount();
			}
			return (this.delegate instanceof ResizableExecutor resizable) ? resizable.getActiveCount() : -1;
		}

		@Override
		public boolean resizePool(int corePoolSize, int maximumPoolSize) {
			if (this.delegate instanceof ThreadPoolExecutor pool) {
				pool.setCorePoolSize(corePoolSize);
				pool.setMaximumPoolSize(maximumPoolSize);
				return true;
			}
			return this.delegate instanceof ResizableExecutor resizable
					&& resizable.resizePool(corePoolSize, maximumPoolSize);
		}

		@Override
		public boolean resizeQueue(int capacity) {
			return this.delegate instanceof ResizableExecutor resizable && resizable.resizeQueue(capacity);
		}

		@Override
		public String toString() {
			return "pulse inline write completions over " + this.delegate;
		}

	}

	/**
	 * Reflective handles on Tomcat's internals, resolved once.
	 */
	private record Access(Method endpoint, Field executor, Class<?> onResult) {

		static @Nullable Access resolve() {
			try {
				ClassLoader loader = TomcatInlineCompletions.class.getClassLoader();
				Class<?> onResult = Class.forName(
						"org.apache.tomcat.websocket.server.WsRemoteEndpointImplServer$OnResultRunnable", false,
						loader);
				Method endpoint = AbstractProtocol.class.getDeclaredMethod("getEndpoint");
				endpoint.setAccessible(true);
				Class<?> endpointType = Class.forName("org.apache.tomcat.util.net.AbstractEndpoint", false, loader);
				Field executor = endpointType.getDeclaredField("executor");
				executor.setAccessible(true);
				if (executor.getType() != Executor.class) {
					return null;
				}
				return new Access(endpoint, executor, onResult);
			}
			catch (ReflectiveOperationException | LinkageError | RuntimeException ex) {
				logger.debug("Tomcat's executor cannot be wrapped; write completions are dispatched: " + ex);
				return null;
			}
		}

		/**
		 * Sets the endpoint's executor without touching whether Tomcat owns it (the public setter would say it
		 * does not, and Tomcat would then neither shut the pool down nor report its size).
		 */
		void swap(AbstractProtocol<?> protocol, Executor executor) {
			try {
				this.executor.set(this.endpoint.invoke(protocol), executor);
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				logger.warn("Could not " + ((executor instanceof InlineExecutor) ? "wrap" : "unwrap")
						+ " Tomcat's executor for pulse's write completions: " + ex);
			}
		}

	}

}
