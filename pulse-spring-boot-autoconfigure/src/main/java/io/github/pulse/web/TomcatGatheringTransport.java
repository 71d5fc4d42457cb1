package io.github.pulse.web;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
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
		if (TomcatFrameWriter.isDisabled()) {
			fallback(() -> this.delegate.write(frame, onDone), onDone);
			return;
		}
		try {
			this.writer.queueText(frame.utf8(), StandardTransport.handler(onDone));
			this.buffered = true;
		}
		catch (Throwable ex) {
			failed(ex, onDone, () -> this.delegate.write(frame, onDone));
		}
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		if (TomcatFrameWriter.isDisabled()) {
			fallback(() -> this.delegate.writeAndFlush(frame, onDone), onDone);
			return;
		}
		try {
			this.writer.writeText(frame.utf8(), StandardTransport.handler(onDone));
			this.buffered = false;
		}
		catch (Throwable ex) {
			failed(ex, onDone, () -> this.delegate.writeAndFlush(frame, onDone));
		}
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		if (TomcatFrameWriter.isDisabled()) {
			fallback(() -> this.delegate.ping(payload, onDone), onDone);
			return;
		}
		try {
			this.writer.queuePing(payload, StandardTransport.handler(onDone));
			this.buffered = true;
		}
		catch (Throwable ex) {
			failed(ex, onDone, () -> this.delegate.ping(payload, onDone));
		}
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		if (TomcatFrameWriter.isDisabled() && !this.buffered) {
			onDone.accept(null);
			return;
		}
		try {
			this.writer.flush(StandardTransport.handler(onDone));
			this.buffered = false;
		}
		catch (Throwable ex) {
			failed(ex, onDone, () -> onDone.accept(ex));
		}
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
