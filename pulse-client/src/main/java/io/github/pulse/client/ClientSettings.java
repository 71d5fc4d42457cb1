package io.github.pulse.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import tools.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * Effective, validated settings of one client, fixed when it is built.
 */
record ClientSettings(URI uri, Map<String, String> headers, @Nullable Supplier<Map<String, String>> headerSupplier,
		List<String> subprotocols, Duration connectTimeout, Duration handshakeTimeout, Backoff backoff,
		int maxConsecutiveFailures, boolean retryInitialConnect, CloseCodePolicy closeCodePolicy, boolean resume,
		int ackFrames, Duration ackInterval, Duration heartbeatInterval, Duration heartbeatTimeout,
		int sendQueueCapacity, Duration closeTimeout, ObjectMapper objectMapper, HttpClient httpClient,
		ScheduledExecutorService scheduler, DoubleSupplier random, @Nullable Executor callbackExecutor,
		List<PulseClientListener> listeners, Map<String, List<TypedHandler<?>>> handlers) {

	/**
	 * A typed handler registered with {@code on(event, type, handler)}.
	 */
	record TypedHandler<T>(Class<T> type, Consumer<? super @Nullable T> handler) {

		void handle(ClientMessage message) {
			this.handler.accept(message.payload(this.type));
		}

	}

}
