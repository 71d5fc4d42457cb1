package io.github.pulse.web;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Gathered writes on a Tomcat WebSocket connection: frames are put into the connection's output buffer (Tomcat's
 * batching) and written to the socket by one asynchronous flush, so a connection with several frames waiting costs
 * one socket write instead of one per frame, and each frame is written from bytes encoded once per broadcast
 * instead of a {@code String} Tomcat would encode again for every recipient.
 * <p>
 * The Jakarta API has batching but only a blocking {@code flushBatch()}, which would let a slow client stall the
 * thread that flushes. Tomcat has the asynchronous flush internally: {@code WsRemoteEndpointImplBase.startMessage}
 * with its internal flush opcode, the same path its public methods take, under the same per-connection lock and
 * with the connection's extensions applied. This class reaches it through reflection, resolved once; when the
 * internals are not there (another container or Tomcat version, or Tomcat in a parent class loader that refuses
 * access), {@link #of} returns {@code null} and the transport writes one frame at a time through the public API.
 * <p>
 * Batching is switched on only while the engine is writing a batch and off again by the flush, so a pong Tomcat
 * sends by itself in answer to a client's ping is never left waiting in the buffer.
 */
final class TomcatFrameWriter {

	private static final Log logger = LogFactory.getLog(TomcatFrameWriter.class);

	private static final byte OPCODE_TEXT = 0x1;

	private static final byte OPCODE_PING = 0x9;

	private static final @Nullable Access ACCESS = Access.resolve();

	private static final byte OPCODE_FLUSH = (ACCESS != null) ? ACCESS.flushOpcode : 0;

	/** Constant, so the JIT inlines the call like a direct one. */
	private static final MethodHandle START_MESSAGE = (ACCESS != null) ? ACCESS.startMessage
			: MethodHandles.empty(MethodType.methodType(void.class, Object.class, byte.class, ByteBuffer.class,
					boolean.class, SendHandler.class));

	private static volatile boolean disabled;

	private final Object endpoint;

	private final AtomicBoolean batching;

	/** Makes every call fail as a reflective call would on a Tomcat whose internals changed; tests only. */
	private final boolean broken;

	private TomcatFrameWriter(Object endpoint, AtomicBoolean batching, boolean broken) {
		this.endpoint = endpoint;
		this.batching = batching;
		this.broken = broken;
	}

	/**
	 * A writer whose every call fails with a linkage error, as on a Tomcat whose internals changed.
	 */
	static TomcatFrameWriter brokenForTests() {
		return new TomcatFrameWriter(new Object(), new AtomicBoolean(), true);
	}

	/**
	 * Switches gathered writes back on after {@link #disable}; tests only.
	 */
	static void resetForTests() {
		disabled = false;
	}

	/**
	 * What the startup check found: the running Tomcat's version and whether pulse writes through its internals.
	 * @param gatherWrites whether {@code pulse.container.gather-writes} is on
	 * @return a line for the startup log
	 */
	static String describe(boolean gatherWrites) {
		String version = tomcatVersion();
		if (!gatherWrites) {
			return "one frame per write through the public WebSocket API on Tomcat " + version
					+ " (pulse.container.gather-writes=false)";
		}
		if (ACCESS == null) {
			return "one frame per write through the public WebSocket API: the internals of Tomcat " + version
					+ " that gathered writes use were not found";
		}
		return "gathered writes on Tomcat " + version + " (its internal asynchronous flush verified at startup)";
	}

	static String tomcatVersion() {
		try {
			Class<?> serverInfo = Class.forName("org.apache.catalina.util.ServerInfo", false,
					TomcatFrameWriter.class.getClassLoader());
			return (String) serverInfo.getMethod("getServerNumber").invoke(null);
		}
		catch (ReflectiveOperationException | LinkageError | RuntimeException ex) {
			return "(version unknown)";
		}
	}

	/**
	 * Whether Tomcat's internals were found when this class was loaded: the gathered write path is usable.
	 * @return {@code true} if gathered writes are available
	 */
	static boolean isAvailable() {
		return ACCESS != null && !disabled;
	}

	/**
	 * Whether a reflective call failed at run time and gathered writes are off for every connection.
	 * @return {@code true} once switched off
	 */
	static boolean isDisabled() {
		return disabled;
	}

	/**
	 * Switches gathered writes off for every connection after a reflective call failed; logged once.
	 * @param failure the failure
	 */
	static void disable(Throwable failure) {
		if (!disabled) {
			disabled = true;
			logger.warn("Tomcat's gathered write path failed (" + failure.getClass().getName()
					+ "); every connection writes one frame at a time through the public WebSocket API from now on");
		}
	}

	/**
	 * Whether a failure came from the reflective call itself rather than from the write it made.
	 * @param failure the failure
	 * @return {@code true} for access, linkage and type errors of the method handle
	 */
	static boolean isReflectionFailure(Throwable failure) {
		return failure instanceof ReflectiveOperationException || failure instanceof LinkageError
				|| failure instanceof java.lang.invoke.WrongMethodTypeException || failure instanceof ClassCastException;
	}

	/**
	 * A writer for the connection behind an asynchronous remote endpoint.
	 * @param remote the connection's asynchronous remote endpoint
	 * @return the writer, or {@code null} if this is not Tomcat or its internals cannot be reached
	 */
	static @Nullable TomcatFrameWriter of(RemoteEndpoint.Async remote) {
		Access access = ACCESS;
		if (access == null || disabled || !access.wrapper.isInstance(remote)) {
			return null;
		}
		try {
			Object endpoint = access.base.get(remote);
			if (endpoint == null) {
				return null;
			}
			return new TomcatFrameWriter(endpoint, (AtomicBoolean) access.batchingAllowed.get(endpoint), false);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.debug("Tomcat WebSocket internals not reachable; writing one frame at a time: " + ex);
			return null;
		}
	}

	/**
	 * Puts a complete text frame into the output buffer; {@code handler} is called when it is there (at once, on
	 * this thread, unless the buffer filled and had to be written first).
	 */
	void queueText(ByteBuffer utf8, SendHandler handler) throws Throwable {
		this.batching.set(true);
		start(OPCODE_TEXT, utf8, handler);
	}

	/**
	 * Puts a ping frame into the output buffer.
	 */
	void queuePing(ByteBuffer payload, SendHandler handler) throws Throwable {
		this.batching.set(true);
		start(OPCODE_PING, payload, handler);
	}

	/**
	 * Writes the output buffer to the socket without waiting; {@code handler} is called when it is written.
	 */
	void writeText(ByteBuffer utf8, SendHandler handler) throws Throwable {
		this.batching.set(false);
		start(OPCODE_TEXT, utf8, handler);
	}

	void flush(SendHandler handler) throws Throwable {
		this.batching.set(false);
		start(OPCODE_FLUSH, null, handler);
	}

	private void start(byte opcode, @Nullable ByteBuffer payload, SendHandler handler) throws Throwable {
		if (this.broken) {
			throw new NoSuchMethodError("WsRemoteEndpointImplBase.startMessage");
		}
		START_MESSAGE.invokeExact(this.endpoint, opcode, payload, true, handler);
	}

	/**
	 * Reflective handles on Tomcat's internals, resolved once.
	 */
	private record Access(Class<?> wrapper, Field base, Field batchingAllowed, MethodHandle startMessage,
			byte flushOpcode) {

		static @Nullable Access resolve() {
			try {
				ClassLoader loader = TomcatFrameWriter.class.getClassLoader();
				Class<?> wrapper = Class.forName("org.apache.tomcat.websocket.WsRemoteEndpointBase", false, loader);
				Class<?> impl = Class.forName("org.apache.tomcat.websocket.WsRemoteEndpointImplBase", false, loader);
				Class<?> constants = Class.forName("org.apache.tomcat.websocket.Constants", false, loader);
				Field base = wrapper.getDeclaredField("base");
				base.setAccessible(true);
				Field batchingAllowed = impl.getDeclaredField("batchingAllowed");
				batchingAllowed.setAccessible(true);
				Field flush = constants.getDeclaredField("INTERNAL_OPCODE_FLUSH");
				flush.setAccessible(true);
				Method startMessage = impl.getDeclaredMethod("startMessage", byte.class, ByteBuffer.class,
						boolean.class, SendHandler.class);
				startMessage.setAccessible(true);
				MethodHandle handle = MethodHandles.lookup()
					.unreflect(startMessage)
					.asType(MethodType.methodType(void.class, Object.class, byte.class, ByteBuffer.class, boolean.class,
							SendHandler.class));
				return new Access(wrapper, base, batchingAllowed, handle, flush.getByte(null));
			}
			catch (ReflectiveOperationException | LinkageError | RuntimeException ex) {
				logger.debug("Tomcat WebSocket internals not available; writing one frame at a time: " + ex);
				return null;
			}
		}

	}

}
