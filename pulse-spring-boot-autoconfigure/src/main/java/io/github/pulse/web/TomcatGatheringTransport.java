package io.github.pulse.web;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
import jakarta.websocket.SendHandler;
import org.jspecify.annotations.Nullable;

/**
 * Gathered writes on Tomcat: decorates a {@link StandardTransport}, putting frames into the connection's output
 * buffer and flushing them with one asynchronous socket write ({@link TomcatFrameWriter}). This is the only place
 * where pulse writes through Tomcat's internals. If a reflective call fails at run time (a Tomcat the startup check
 * did not see), the failure is logged once, {@link TomcatFrameWriter} is switched off for every connection, and
 * this and every later write go through the public API of the decorated transport.
 */
final class TomcatGatheringTransport implements Transport {

	private final StandardTransport delegate;

	private final TomcatFrameWriter writer;

	/** Frames are in Tomcat's buffer: a fallback must flush them before writing through the public API. */
	private volatile boolean buffered;

	TomcatGatheringTransport(StandardTransport delegate, TomcatFrameWriter writer) {
		this.delegate = delegate;
		this.writer = writer;
	}

	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		gathered((handler) -> this.writer.queueText(frame.utf8(), handler), true,
				() -> this.delegate.write(frame, onDone), onDone);
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		gathered((handler) -> this.writer.writeText(frame.utf8(), handler), false,
				() -> this.delegate.writeAndFlush(frame, onDone), onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		gathered((handler) -> this.writer.queuePing(payload, handler), true, () -> this.delegate.ping(payload, onDone),
				onDone);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		if (TomcatFrameWriter.isDisabled() && !this.buffered) {
			onDone.accept(null);
			return;
		}
		gathered(this.writer::flush, false, () -> onDone.accept(null), onDone);
	}

	/**
	 * One call through Tomcat's internals, or through the public API once they failed.
	 * @param call the gathered call
	 * @param buffers whether the call leaves data in Tomcat's buffer
	 * @param publicCall the same through the decorated transport
	 */
	private void gathered(GatheredCall call, boolean buffers, Runnable publicCall, Consumer<@Nullable Throwable> onDone) {
		if (TomcatFrameWriter.isDisabled()) {
			fallback(publicCall, onDone);
			return;
		}
		// a completion of this call that Tomcat dispatches before it returns runs on this thread (see
		// TomcatInlineCompletions): the writer then goes on with its next frame, no recursion
		boolean outer = TomcatInlineCompletions.enter();
		try {
			call.start(StandardTransport.handler(onDone));
			this.buffered = buffers;
		}
		catch (Throwable ex) {
			failed(ex, onDone, publicCall);
		}
		finally {
			TomcatInlineCompletions.exit(outer);
		}
	}

	@FunctionalInterface
	private interface GatheredCall {

		void start(SendHandler handler) throws Throwable;

	}

	/**
	 * A write after the writer was switched off: frames this connection left in Tomcat's buffer would be overtaken,
	 * so the connection fails (the session suspends and its client resumes) unless the buffer is empty.
	 */
	private void fallback(Runnable publicWrite, Consumer<@Nullable Throwable> onDone) {
		if (this.buffered) {
			onDone.accept(new IllegalStateException("Tomcat gathered writes switched off with frames buffered"));
			return;
		}
		publicWrite.run();
	}

	private void failed(Throwable ex, Consumer<@Nullable Throwable> onDone, Runnable publicWrite) {
		if (TomcatFrameWriter.isReflectionFailure(ex)) {
			TomcatFrameWriter.disable(ex);
			fallback(publicWrite, onDone);
			return;
		}
		if (ex instanceof Error error && !(ex instanceof LinkageError)) {
			throw error;
		}
		onDone.accept(ex);
	}

	@Override
	public void close(PulseCloseStatus status) {
		this.delegate.close(status);
	}

	@Override
	public void abort() {
		this.delegate.abort();
	}

	@Override
	public @Nullable String subprotocol() {
		return this.delegate.subprotocol();
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return this.delegate.remoteAddress();
	}

	@Override
	public String toString() {
		return "TomcatGatheringTransport[" + this.delegate + "]";
	}

}
