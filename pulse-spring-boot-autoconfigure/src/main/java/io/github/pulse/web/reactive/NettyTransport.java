package io.github.pulse.web.reactive;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Transport on a Reactor Netty WebSocket, through Netty's public channel API: {@link #write} puts a frame into the
 * channel's outbound buffer ({@code channel.write}) and completes once it is there, {@link #flush} writes the batch with one
 * {@code channel.flush()} and completes when the last frame of the batch is on the socket (Netty completes a
 * channel's writes in order, and fails every write after one that failed). No thread waits on the socket; the engine
 * times each flush itself ({@code pulse.write-timeout}) and aborts the transport.
 */
final class NettyTransport implements Transport {

	private static final Log logger = LogFactory.getLog(NettyTransport.class);

	private final Channel channel;

	private final WebsocketOutbound outbound;

	private final @Nullable String subprotocol;

	/**
	 * The last frame written since the last flush, or {@code null}: the engine has at most one write or flush in
	 * flight per transport, so only its current writer touches this.
	 */
	private @Nullable ChannelFuture unflushed;

	/** First failure among the frames of the current batch; written by Netty's event loop, read after the flush. */
	private volatile @Nullable Throwable batchFailure;

	private final ChannelFutureListener recordFailure = (future) -> {
		if (!future.isSuccess() && this.batchFailure == null) {
			this.batchFailure = future.cause();
		}
	};

	NettyTransport(Channel channel, WebsocketOutbound outbound, @Nullable String subprotocol) {
		this.channel = channel;
		this.outbound = outbound;
		this.subprotocol = subprotocol;
	}

	Channel channel() {
		return this.channel;
	}

	/**
	 * Puts the frame into the channel's outbound buffer. Off the event loop, the frame goes in by a task on the
	 * loop and completes there, so the engine's next write runs on the loop after it: a write that completed while
	 * only queued could be overtaken by one the loop makes directly (the engine lets any thread be the next writer).
	 */
	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		TextWebSocketFrame message = new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.utf8()));
		EventLoop loop = this.channel.eventLoop();
		if (loop.inEventLoop()) {
			writeNow(message, onDone);
			return;
		}
		try {
			loop.execute(() -> writeNow(message, onDone));
		}
		catch (RejectedExecutionException ex) {
			message.release();
			onDone.accept(ex);
		}
	}

	private void writeNow(TextWebSocketFrame message, Consumer<@Nullable Throwable> onDone) {
		ChannelFuture future;
		try {
			future = this.channel.write(message);
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
			return;
		}
		future.addListener(this.recordFailure);
		this.unflushed = future;
		onDone.accept(null);
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		ChannelFuture future;
		try {
			future = this.channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.utf8())));
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
			return;
		}
		complete(future, onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		ChannelFuture future;
		try {
			future = this.channel.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(payload)));
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
			return;
		}
		complete(future, onDone);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		ChannelFuture last = this.unflushed;
		this.unflushed = null;
		this.channel.flush();
		if (last == null) {
			onDone.accept(null);
			return;
		}
		last.addListener((future) -> {
			Throwable failure = this.batchFailure;
			this.batchFailure = null;
			onDone.accept((failure != null) ? failure : future.cause());
		});
	}

	private static void complete(ChannelFuture future, Consumer<@Nullable Throwable> onDone) {
		future.addListener((done) -> onDone.accept(done.isSuccess() ? null : done.cause()));
	}

	/**
	 * Sends the close frame through Reactor Netty, which closes the channel once the frame is written.
	 */
	@Override
	public void close(PulseCloseStatus status) {
		try {
			this.outbound.sendClose(status.code(), status.reason())
				.subscribe(null, (failure) -> {
					if (logger.isDebugEnabled()) {
						logger.debug("Close of WebSocket " + this.channel.id() + " failed: " + failure);
					}
					this.channel.close();
				});
		}
		catch (RuntimeException ex) {
			this.channel.close();
		}
	}

	/**
	 * Closes the TCP connection without a close frame.
	 */
	@Override
	public void abort() {
		this.channel.close();
	}

	@Override
	public @Nullable String subprotocol() {
		return this.subprotocol;
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		SocketAddress address = this.channel.remoteAddress();
		return (address instanceof InetSocketAddress inet) ? inet : null;
	}

	@Override
	public String toString() {
		return "NettyTransport[" + this.channel.id().asShortText() + "]";
	}

}
