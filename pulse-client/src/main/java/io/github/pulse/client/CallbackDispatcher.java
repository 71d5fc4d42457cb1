package io.github.pulse.client;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * Runs a client's callbacks one at a time in submission order, without a thread of its own. Events are submitted
 * under the client's lock (which fixes their order) and run after it is released, by whichever thread calls
 * {@link #flush()} first: inline by default, or on an executor.
 */
final class CallbackDispatcher {

	private static final ThreadLocal<Boolean> IN_CALLBACK = ThreadLocal.withInitial(() -> Boolean.FALSE);

	private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean running = new AtomicBoolean();

	private final @Nullable Executor executor;

	CallbackDispatcher(@Nullable Executor executor) {
		this.executor = executor;
	}

	/**
	 * Whether the current thread is running a callback of some client.
	 */
	static boolean inCallback() {
		return IN_CALLBACK.get();
	}

	void submit(Runnable callback) {
		this.pending.add(callback);
	}

	/**
	 * Runs what was submitted, unless another thread is already doing so (it will pick the new events up).
	 */
	void flush() {
		if (this.pending.isEmpty()) {
			return;
		}
		if (this.executor == null) {
			drain();
		}
		else {
			this.executor.execute(this::drain);
		}
	}

	private void drain() {
		do {
			if (!this.running.compareAndSet(false, true)) {
				return;
			}
			boolean outer = IN_CALLBACK.get();
			IN_CALLBACK.set(Boolean.TRUE);
			try {
				Runnable callback;
				while ((callback = this.pending.poll()) != null) {
					callback.run();
				}
			}
			finally {
				IN_CALLBACK.set(outer);
				this.running.set(false);
			}
		}
		while (!this.pending.isEmpty());
	}

}
