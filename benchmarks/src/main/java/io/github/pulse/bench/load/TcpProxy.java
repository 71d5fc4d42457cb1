package io.github.pulse.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * An in-process loopback TCP proxy on one selector thread, so that a scenario can cut every connection at once the
 * way a failing network does: {@link #cutAll()} resets both sides of every pair (SO_LINGER 0: an RST, no close frame,
 * no FIN handshake), and the server sees its transports die without a WebSocket close. Upstream connections are
 * spread over several loopback source addresses so that thousands of them do not exhaust one address's ports.
 * Bytes are relayed as they come; while one side cannot take more, the other side is not read (backpressure).
 */
final class TcpProxy implements Runnable, AutoCloseable {

	private final Selector selector;

	private final ServerSocketChannel listener;

	private final InetSocketAddress upstream;

	private final List<InetAddress> sources = new ArrayList<>();

	private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

	private final Set<Pair> pairs = new HashSet<>();

	private final Thread thread;

	private volatile @Nullable CountDownLatch cutRequest;

	private volatile boolean running = true;

	private int connections;

	/**
	 * Listens on 127.0.0.1 at a free port and starts the proxy thread.
	 * @param upstream where to forward
	 * @param firstSource first loopback source address for upstream connections (e.g. 5 for 127.0.0.5)
	 * @param sourceCount how many consecutive addresses
	 * @throws IOException if the listening socket cannot be opened
	 */
	TcpProxy(InetSocketAddress upstream, int firstSource, int sourceCount) throws IOException {
		this.upstream = upstream;
		for (int i = 0; i < sourceCount; i++) {
			this.sources.add(InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) (firstSource + i) }));
		}
		this.selector = Selector.open();
		this.listener = ServerSocketChannel.open();
		this.listener.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
		this.listener.configureBlocking(false);
		this.listener.register(this.selector, SelectionKey.OP_ACCEPT);
		this.thread = new Thread(this, "tcp-proxy");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	InetSocketAddress address() {
		return new InetSocketAddress("127.0.0.1", this.listener.socket().getLocalPort());
	}

	/**
	 * Resets every relayed connection, both sides, and returns once done. New connections are accepted afterwards.
	 * @return how many pairs were cut
	 * @throws InterruptedException if interrupted while waiting for the proxy thread
	 */
	int cutAll() throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		this.cutRequest = done;
		this.selector.wakeup();
		if (!done.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("the proxy thread did not cut within 30 s");
		}
		return this.lastCut;
	}

	private volatile int lastCut;

	@Override
	public void run() {
		while (this.running) {
			try {
				this.selector.select(100);
				CountDownLatch cut = this.cutRequest;
				if (cut != null) {
					this.cutRequest = null;
					int count = this.pairs.size();
					for (Pair pair : new ArrayList<>(this.pairs)) {
						pair.close(true);
					}
					this.selector.selectNow();
					this.lastCut = count;
					cut.countDown();
				}
				Iterator<SelectionKey> selected = this.selector.selectedKeys().iterator();
				while (selected.hasNext()) {
					SelectionKey key = selected.next();
					selected.remove();
					if (!key.isValid()) {
						continue;
					}
					if (key.isAcceptable()) {
						accept();
						continue;
					}
					End end = (End) key.attachment();
					try {
						end.handle(key);
					}
					catch (IOException | RuntimeException ex) {
						end.pair.close(true);
					}
				}
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void accept() throws IOException {
		SocketChannel client;
		while ((client = this.listener.accept()) != null) {
			client.configureBlocking(false);
			client.setOption(StandardSocketOptions.TCP_NODELAY, true);
			SocketChannel server = SocketChannel.open();
			server.configureBlocking(false);
			server.setOption(StandardSocketOptions.TCP_NODELAY, true);
			server.bind(new InetSocketAddress(this.sources.get(this.connections++ % this.sources.size()), 0));
			server.connect(this.upstream);
			Pair pair = new Pair();
			pair.client = new End(pair, client);
			pair.server = new End(pair, server);
			pair.server.key = server.register(this.selector, SelectionKey.OP_CONNECT, pair.server);
			// the client is read once the upstream connection is up
			pair.client.key = client.register(this.selector, 0, pair.client);
			this.pairs.add(pair);
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.running = false;
		this.selector.wakeup();
		this.thread.join(5000);
		for (Pair pair : new ArrayList<>(this.pairs)) {
			pair.close(true);
		}
		try {
			this.listener.close();
			this.selector.close();
		}
		catch (IOException ex) {
			// nothing left to release
		}
	}

	private final class Pair {

		End client;

		End server;

		boolean closed;

		void close(boolean reset) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			this.client.close(reset);
			this.server.close(reset);
			TcpProxy.this.pairs.remove(this);
		}

	}

	/**
	 * One side of a pair: its channel and the bytes read from the other side that it has not taken yet.
	 */
	private final class End {

		final Pair pair;

		final SocketChannel channel;

		@Nullable SelectionKey key;

		@Nullable ByteBuffer pending;

		End(Pair pair, SocketChannel channel) {
			this.pair = pair;
			this.channel = channel;
		}

		End other() {
			return (this == this.pair.client) ? this.pair.server : this.pair.client;
		}

		void handle(SelectionKey key) throws IOException {
			if (key.isConnectable()) {
				this.channel.finishConnect();
				key.interestOps(SelectionKey.OP_READ);
				other().key.interestOps(SelectionKey.OP_READ);
				return;
			}
			ByteBuffer queued = this.pending;
			if (key.isWritable() && queued != null) {
				this.channel.write(queued);
				if (!queued.hasRemaining()) {
					this.pending = null;
					key.interestOps(SelectionKey.OP_READ);
					// this side took everything: read the other side again
					End other = other();
					if (other.key.isValid()) {
						other.key.interestOps(other.key.interestOps() | SelectionKey.OP_READ);
					}
				}
			}
			if (key.isValid() && key.isReadable()) {
				ByteBuffer buffer = TcpProxy.this.buffer;
				buffer.clear();
				int read = this.channel.read(buffer);
				if (read < 0) {
					this.pair.close(false);
					return;
				}
				buffer.flip();
				End other = other();
				other.channel.write(buffer);
				if (buffer.hasRemaining()) {
					ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
					copy.put(buffer).flip();
					other.pending = copy;
					other.key.interestOps(other.key.interestOps() | SelectionKey.OP_WRITE);
					key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
				}
			}
		}

		void close(boolean reset) {
			try {
				if (reset && this.channel.isOpen()) {
					this.channel.setOption(StandardSocketOptions.SO_LINGER, 0);
				}
				this.channel.close();
			}
			catch (IOException ex) {
				// already gone
			}
		}

	}

}
