package io.github.pulse.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * One client WebSocket connection of the load generator: its channel, handshake state, inbound bytes not yet
 * parsed and outbound bytes not yet written. Inbound state is touched only by the owning event loop; outbound
 * state is guarded by the connection's monitor because publishers write from their own thread.
 */
final class WsConnection {

	final SocketChannel channel;

	final EventLoop loop;

	final boolean publisher;

	/** The server this connection goes to. */
	final InetSocketAddress server;

	@Nullable SelectionKey key;

	/** Set by the generator before the connection is registered with its loop. */
	WireProtocol.Inbound inbound;

	/** Per-connection state of the owning handler, if it keeps any (see {@link TrackedClients}). */
	@Nullable Object attachment;

	boolean upgraded;

	boolean welcomed;

	boolean closed;

	@Nullable ByteBuffer leftover;

	@Nullable ByteArrayOutputStream fragments;

	private @Nullable ByteBuffer pending;

	WsConnection(SocketChannel channel, EventLoop loop, boolean publisher, InetSocketAddress server) {
		this.channel = channel;
		this.loop = loop;
		this.publisher = publisher;
		this.server = server;
	}

	/**
	 * Writes a frame now if nothing is queued before it, else queues it behind the pending bytes.
	 * @param frame the bytes to write
	 * @throws IOException if the channel fails
	 */
	synchronized void write(ByteBuffer frame) throws IOException {
		if (this.closed) {
			return;
		}
		if (this.pending == null && this.key != null) {
			this.channel.write(frame);
			if (!frame.hasRemaining()) {
				return;
			}
		}
		ByteBuffer queued = this.pending;
		if (queued == null) {
			queued = ByteBuffer.allocate(Math.max(1024, frame.remaining()));
		}
		else if (queued.remaining() < frame.remaining()) {
			ByteBuffer grown = ByteBuffer.allocate(Math.max(queued.capacity() * 2, queued.position() + frame.remaining()));
			queued.flip();
			grown.put(queued);
			queued = grown;
		}
		queued.put(frame);
		this.pending = queued;
		this.loop.wantWrite(this);
	}

	/**
	 * Writes queued bytes; called by the event loop when the channel is writable.
	 * @return whether everything queued was written
	 * @throws IOException if the channel fails
	 */
	synchronized boolean flush() throws IOException {
		ByteBuffer queued = this.pending;
		if (queued == null) {
			return true;
		}
		queued.flip();
		this.channel.write(queued);
		if (queued.hasRemaining()) {
			queued.compact();
			return false;
		}
		this.pending = null;
		return true;
	}

	/**
	 * Bytes queued but not yet written: a publisher skips its turn while the server pushes back.
	 * @return the queued byte count
	 */
	synchronized int pendingBytes() {
		ByteBuffer queued = this.pending;
		return (queued != null) ? queued.position() : 0;
	}

	synchronized void markClosed() {
		this.closed = true;
		this.pending = null;
	}

}
