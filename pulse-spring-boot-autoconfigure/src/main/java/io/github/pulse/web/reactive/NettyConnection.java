package io.github.pulse.web.reactive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.PongMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import reactor.core.publisher.Mono;
import reactor.netty.http.websocket.WebsocketInbound;

/**
 * Feeds one Reactor Netty WebSocket's inbound frames to the pulse handler, on the channel's event loop: text
 * fragments as partial text messages (a UTF-8 sequence split between fragments is carried over to the next, so the
 * handler measures and assembles the same text as on the servlet stack), pongs, pings (answered here) and binary
 * frames. The connection ends once, when the channel closes, with the close frame's status, the status of a protocol
 * violation Netty closed with, or 1006.
 */
final class NettyConnection {

	private final WebSocketHandler handler;

	private final NettyWebSocketSession session;

	/** Bytes of a UTF-8 sequence the last text fragment ended inside of; touched only on the event loop. */
	private byte @Nullable [] carry;

	/** Whether the message being received is binary (its continuations are dropped). */
	private boolean binary;

	private volatile @Nullable CloseStatus closeStatus;

	NettyConnection(WebSocketHandler handler, NettyWebSocketSession session) {
		this.handler = handler;
		this.session = session;
	}

	/**
	 * Opens the connection and receives until the channel closes.
	 * @param inbound the WebSocket's inbound side
	 * @return completes when the peer's close frame has arrived or the channel closed
	 */
	Mono<Void> run(WebsocketInbound inbound) {
		NettyTransport transport = (NettyTransport) this.session.transport();
		transport.channel().closeFuture().addListener((future) -> closed());
		inbound.receiveCloseStatus().subscribe((status) -> this.closeStatus = toSpring(status));
		try {
			this.handler.afterConnectionEstablished(this.session);
		}
		catch (Exception ex) {
			transport.abort();
			return Mono.empty();
		}
		return inbound.receiveFrames().doOnNext(this::onFrame).onErrorResume((ex) -> {
			if (ex instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null) {
				// Netty has sent this close frame and closes the channel (1002, 1007, 1009)
				this.closeStatus = toSpring(corrupted.closeStatus());
			}
			else {
				transportError(ex);
			}
			return Mono.empty();
		}).then();
	}

	private void onFrame(WebSocketFrame frame) {
		try {
			if (frame instanceof TextWebSocketFrame) {
				this.binary = false;
				text(frame.content(), frame.isFinalFragment());
			}
			else if (frame instanceof ContinuationWebSocketFrame) {
				if (!this.binary) {
					text(frame.content(), frame.isFinalFragment());
				}
			}
			else if (frame instanceof PongWebSocketFrame) {
				this.handler.handleMessage(this.session, new PongMessage(copy(frame.content())));
			}
			else if (frame instanceof PingWebSocketFrame) {
				((NettyTransport) this.session.transport()).channel()
					.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
				this.handler.handleMessage(this.session, new PingMessage(ByteBuffer.allocate(0)));
			}
			else if (frame instanceof BinaryWebSocketFrame) {
				this.binary = !frame.isFinalFragment();
				this.handler.handleMessage(this.session, new BinaryMessage(copy(frame.content()), true));
			}
		}
		catch (Exception ex) {
			transportError(ex);
		}
	}

	private void text(ByteBuf content, boolean last) throws Exception {
		byte[] bytes;
		byte[] carried = this.carry;
		int length = content.readableBytes();
		if (carried == null) {
			bytes = new byte[length];
			content.getBytes(content.readerIndex(), bytes);
		}
		else {
			bytes = new byte[carried.length + length];
			System.arraycopy(carried, 0, bytes, 0, carried.length);
			content.getBytes(content.readerIndex(), bytes, carried.length, length);
		}
		int complete = last ? bytes.length : Utf8.completePrefix(bytes);
		this.carry = (complete < bytes.length) ? java.util.Arrays.copyOfRange(bytes, complete, bytes.length) : null;
		String chunk = new String(bytes, 0, complete, StandardCharsets.UTF_8);
		this.handler.handleMessage(this.session, new TextMessage(chunk, last));
	}

	private void transportError(Throwable failure) {
		try {
			this.handler.handleTransportError(this.session, failure);
		}
		catch (Exception ignored) {
			// the handler reports to the engine and does not throw
		}
	}

	private void closed() {
		CloseStatus status = this.closeStatus;
		try {
			this.handler.afterConnectionClosed(this.session, (status != null) ? status : CloseStatus.NO_CLOSE_FRAME);
		}
		catch (Exception ignored) {
			// the handler reports to the engine and does not throw
		}
	}

	/**
	 * Spring's close status for Netty's: a close frame without a code is 1005, as Tomcat reports it; Netty refuses
	 * codes outside 1000 to 4999 with 1002 itself.
	 */
	private static CloseStatus toSpring(WebSocketCloseStatus status) {
		if (status.code() < 1000 || status.code() > 4999) {
			return (status.code() < 0) ? CloseStatus.NO_STATUS_CODE : CloseStatus.PROTOCOL_ERROR;
		}
		return new CloseStatus(status.code(), status.reasonText());
	}

	private static ByteBuffer copy(ByteBuf content) {
		byte[] bytes = new byte[content.readableBytes()];
		content.getBytes(content.readerIndex(), bytes);
		return ByteBuffer.wrap(bytes);
	}

}
