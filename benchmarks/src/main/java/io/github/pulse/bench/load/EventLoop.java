package io.github.pulse.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One selector thread serving many client connections: finishes connects, writes the upgrade request, parses the
 * upgrade response and the server's frames (text, continuation, ping, close), answers pings and hands complete
 * text messages to the {@link LoadGenerator}.
 */
final class EventLoop implements Runnable {

	private static final int OP_READ_WRITE = SelectionKey.OP_READ | SelectionKey.OP_WRITE;

	private final Selector selector;

	private final LoadGenerator generator;

	private final Queue<WsConnection> registrations = new ConcurrentLinkedQueue<>();

	private final Queue<WsConnection> writeRequests = new ConcurrentLinkedQueue<>();

	private final ByteBuffer readBuffer = ByteBuffer.allocate(256 * 1024);

	private final Thread thread;

	private volatile boolean running = true;

	EventLoop(LoadGenerator generator, String name) throws IOException {
		this.selector = Selector.open();
		this.generator = generator;
		this.thread = new Thread(this, name);
		this.thread.setDaemon(true);
	}

	void start() {
		this.thread.start();
	}

	void register(WsConnection connection) {
		this.registrations.add(connection);
		this.selector.wakeup();
	}

	void wantWrite(WsConnection connection) {
		SelectionKey key = connection.key;
		if (Thread.currentThread() == this.thread && key != null) {
			if (key.isValid()) {
				key.interestOps(OP_READ_WRITE);
			}
			return;
		}
		this.writeRequests.add(connection);
		this.selector.wakeup();
	}

	void stop() throws InterruptedException {
		this.running = false;
		this.selector.wakeup();
		this.thread.join(5000);
		for (SelectionKey key : this.selector.keys()) {
			if (key.attachment() instanceof WsConnection connection) {
				close(connection);
			}
		}
		try {
			this.selector.close();
		}
		catch (IOException ex) {
			// nothing left to release
		}
	}

	@Override
	public void run() {
		while (this.running) {
			try {
				this.selector.select(100);
			}
			catch (IOException ex) {
				this.generator.onError("select: " + ex.getMessage());
				return;
			}
			WsConnection registering;
			while ((registering = this.registrations.poll()) != null) {
				try {
					registering.key = registering.channel.register(this.selector, SelectionKey.OP_CONNECT, registering);
				}
				catch (IOException ex) {
					fail(registering, "register", ex);
				}
			}
			WsConnection writing;
			while ((writing = this.writeRequests.poll()) != null) {
				SelectionKey key = writing.key;
				if (key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_CONNECT) == 0) {
					key.interestOps(OP_READ_WRITE);
				}
			}
			Iterator<SelectionKey> selected = this.selector.selectedKeys().iterator();
			while (selected.hasNext()) {
				SelectionKey key = selected.next();
				selected.remove();
				WsConnection connection = (WsConnection) key.attachment();
				try {
					handle(key, connection);
				}
				catch (IOException | RuntimeException ex) {
					fail(connection, "io", ex);
				}
			}
		}
	}

	private void handle(SelectionKey key, WsConnection connection) throws IOException {
		if (key.isConnectable()) {
			connection.channel.finishConnect();
			key.interestOps(SelectionKey.OP_READ);
			connection.write(ByteBuffer.wrap(this.generator.upgradeRequest(connection)));
			return;
		}
		if (key.isValid() && key.isWritable() && connection.flush()) {
			key.interestOps(SelectionKey.OP_READ);
		}
		if (key.isValid() && key.isReadable()) {
			read(connection);
		}
	}

	private void read(WsConnection connection) throws IOException {
		ByteBuffer buffer = this.readBuffer;
		buffer.clear();
		ByteBuffer leftover = connection.leftover;
		if (leftover != null) {
			buffer.put(leftover);
			connection.leftover = null;
		}
		int read = connection.channel.read(buffer);
		if (read < 0) {
			if (!this.generator.isStopping()) {
				this.generator.onError("connection closed by server without a close frame");
			}
			close(connection);
			return;
		}
		int end = buffer.position();
		int consumed = parse(connection, buffer.array(), end);
		if (consumed < end && !connection.closed) {
			if (consumed == 0 && end == buffer.capacity()) {
				throw new IOException("frame larger than " + buffer.capacity() + " bytes");
			}
			connection.leftover = ByteBuffer.wrap(Arrays.copyOfRange(buffer.array(), consumed, end));
		}
	}

	private int parse(WsConnection connection, byte[] bytes, int end) throws IOException {
		int position = 0;
		if (!connection.upgraded) {
			int headerEnd = indexOfHeaderEnd(bytes, end);
			if (headerEnd < 0) {
				return 0;
			}
			String status = new String(bytes, 0, Math.min(12, headerEnd), StandardCharsets.US_ASCII);
			if (!status.startsWith("HTTP/1.1 101")) {
				String line = new String(bytes, 0, headerEnd, StandardCharsets.US_ASCII).lines().findFirst().orElse("");
				throw new IOException("upgrade refused: " + line);
			}
			connection.upgraded = true;
			position = headerEnd + 4;
			this.generator.onUpgraded(connection);
		}
		while (end - position >= 2 && !connection.closed) {
			int first = bytes[position] & 0xff;
			int second = bytes[position + 1] & 0xff;
			long length = second & 0x7f;
			int header = 2;
			if (length == 126) {
				if (end - position < 4) {
					break;
				}
				length = ((bytes[position + 2] & 0xff) << 8) | (bytes[position + 3] & 0xff);
				header = 4;
			}
			else if (length == 127) {
				if (end - position < 10) {
					break;
				}
				length = 0;
				for (int i = 2; i < 10; i++) {
					length = (length << 8) | (bytes[position + i] & 0xff);
				}
				header = 10;
			}
			if ((second & 0x80) != 0) {
				throw new IOException("server sent a masked frame");
			}
			if (end - position < header + length) {
				break;
			}
			frame(connection, first & 0x80, first & 0x0f, bytes, position + header, (int) length);
			position += header + (int) length;
		}
		return position;
	}

	private void frame(WsConnection connection, int fin, int opcode, byte[] bytes, int offset, int length)
			throws IOException {
		switch (opcode) {
			case 0x1, 0x0 -> {
				if (fin != 0 && connection.fragments == null) {
					this.generator.onText(connection, bytes, offset, length);
					return;
				}
				ByteArrayOutputStream fragments = connection.fragments;
				if (fragments == null) {
					fragments = new ByteArrayOutputStream();
					connection.fragments = fragments;
				}
				fragments.write(bytes, offset, length);
				if (fin != 0) {
					byte[] message = fragments.toByteArray();
					connection.fragments = null;
					this.generator.onText(connection, message, 0, message.length);
				}
			}
			case 0x8 -> {
				int code = (length >= 2) ? ((bytes[offset] & 0xff) << 8) | (bytes[offset + 1] & 0xff) : 1005;
				if (!this.generator.isStopping()) {
					this.generator.onError("closed by server with " + code);
				}
				connection.write(Frames.close(code));
				close(connection);
			}
			case 0x9 -> connection.write(Frames.masked(0xA, Arrays.copyOfRange(bytes, offset, offset + length)));
			case 0xA -> {
				// answer to a ping we never send
			}
			default -> throw new IOException("unexpected opcode " + opcode);
		}
	}

	private static int indexOfHeaderEnd(byte[] bytes, int end) {
		for (int i = 0; i + 3 < end; i++) {
			if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
				return i;
			}
		}
		return -1;
	}

	private void fail(WsConnection connection, String where, Exception ex) {
		if (!this.generator.isStopping()) {
			this.generator.onError(where + ": " + ex.getMessage());
		}
		close(connection);
	}

	private void close(WsConnection connection) {
		boolean wasOpen = !connection.closed;
		connection.markClosed();
		SelectionKey key = connection.key;
		if (key != null) {
			key.cancel();
		}
		try {
			connection.channel.close();
		}
		catch (IOException ex) {
			// already gone
		}
		if (wasOpen) {
			this.generator.onClosed(connection);
		}
	}

}
