package io.github.pulse.client;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * The requests of one client that wait for their reply, by {@code ref}. Guarded by the client's lock; futures are
 * completed by the caller outside it.
 */
final class PendingRequests {

	private final Map<String, Request> waiting = new LinkedHashMap<>();

	private long lastRef;

	/** A request waiting for its reply. */
	static final class Request {

		final String ref;

		final String event;

		final Type type;

		final CompletableFuture<Object> future = new CompletableFuture<>();

		volatile @Nullable ScheduledFuture<?> timeout;

		/** Whether its frame was handed to a transport of the current session. */
		boolean written;

		Request(String ref, String event, Type type) {
			this.ref = ref;
			this.event = event;
			this.type = type;
		}

		/** Completes from a reply frame; runs outside the client's lock. */
		void answer(JsonNode reply, ObjectMapper mapper) {
			JsonNode error = reply.get("error");
			if (error != null && error.isObject()) {
				this.future.completeExceptionally(new ReplyErrorException(this.event, error.path("code").asText(""),
						error.path("message").asText("")));
				return;
			}
			JsonNode payload = reply.get("payload");
			try {
				this.future.complete((payload == null || payload.isNull()) ? null
						: mapper.convertValue(payload, mapper.getTypeFactory().constructType(this.type)));
			}
			catch (IllegalArgumentException ex) {
				this.future.completeExceptionally(new PulseClientException(
						"Reply to '" + this.event + "' cannot be converted to " + this.type.getTypeName(), ex));
			}
		}

		void fail(Throwable failure) {
			ScheduledFuture<?> task = this.timeout;
			if (task != null) {
				task.cancel(false);
			}
			this.future.completeExceptionally(failure);
		}

	}

	Request add(String event, Type type) {
		Request request = new Request("r" + (++this.lastRef), event, type);
		this.waiting.put(request.ref, request);
		return request;
	}

	/** Takes the request a reply answers; {@code null} if it timed out or was never made. */
	@Nullable Request take(String ref) {
		Request request = this.waiting.remove(ref);
		if (request != null && request.timeout != null) {
			request.timeout.cancel(false);
		}
		return request;
	}

	/** Takes a request whose time is up, if it still waits. */
	@Nullable Request timedOut(Request request) {
		return this.waiting.remove(request.ref, request) ? request : null;
	}

	static TimeoutException timeoutOf(Request request, Duration timeout) {
		return new TimeoutException("No reply to '" + request.event + "' (ref " + request.ref + ") within " + timeout);
	}

	/** Takes every request whose frame reached a session that is gone: nothing can answer them any more. */
	List<Request> takeWritten() {
		List<Request> taken = new ArrayList<>();
		this.waiting.values().removeIf((request) -> request.written && taken.add(request));
		return taken;
	}

	List<Request> takeAll() {
		List<Request> taken = new ArrayList<>(this.waiting.values());
		this.waiting.clear();
		return taken;
	}

}
