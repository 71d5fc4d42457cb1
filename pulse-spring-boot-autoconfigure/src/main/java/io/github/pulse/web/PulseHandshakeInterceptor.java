package io.github.pulse.web;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.github.pulse.ConnectDecision;
import io.github.pulse.HandshakeRequest;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.core.PulseObservationDocumentation;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Decides on a handshake before the upgrade, in this order: 403 for a foreign origin, 503 while shutting down, 429
 * (with {@code Retry-After}) beyond the per-address handshake rate or connection count, 503 at
 * {@code pulse.max-connections}, 400 when the client lists only subprotocols pulse does not offer or sends malformed
 * resume parameters, then whatever the {@link PulseConnectHandler} decides. Rejections carry no body.
 */
public class PulseHandshakeInterceptor implements HandshakeInterceptor {

	static final String DECISION_ATTRIBUTE = PulseHandshakeInterceptor.class.getName() + ".decision";

	static final String RESUME_TOKEN_ATTRIBUTE = PulseHandshakeInterceptor.class.getName() + ".resumeToken";

	static final String LAST_SEQ_ATTRIBUTE = PulseHandshakeInterceptor.class.getName() + ".lastSeq";

	static final String LEASE_ATTRIBUTE = PulseHandshakeInterceptor.class.getName() + ".lease";

	private static final Log logger = LogFactory.getLog(PulseHandshakeInterceptor.class);

	private final SessionManager manager;

	private final PulseConnectHandler connectHandler;

	private static final String ACCEPTED = "accepted";

	private final PulseObserver observer;

	private @Nullable HandshakeInterceptor originCheck;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private Subprotocols subprotocols = new Subprotocols(List.of("pulse.v1"));

	private @Nullable AddressLimits addressLimits;

	/**
	 * Creates the interceptor.
	 * @param manager the engine
	 * @param connectHandler decides who may connect
	 * @param observer metrics observer
	 */
	public PulseHandshakeInterceptor(SessionManager manager, PulseConnectHandler connectHandler,
			PulseObserver observer) {
		this.manager = manager;
		this.connectHandler = connectHandler;
		this.observer = observer;
	}

	/**
	 * Sets the origin check that runs first, so that a foreign origin gets 403 before the connect handler is
	 * asked, and is counted and observed like every other rejection.
	 * @param originCheck Spring's origin interceptor configured with the allowed origins
	 */
	public void setOriginCheck(HandshakeInterceptor originCheck) {
		this.originCheck = originCheck;
	}

	/**
	 * Sets the registry of the {@code pulse.handshake} observation.
	 * @param observationRegistry the registry; {@link ObservationRegistry#NOOP} (the default) for none
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	/**
	 * Sets the subprotocols offered; a handshake that lists only others gets 400.
	 * @param subprotocols the subprotocols ({@code pulse.v1} by default)
	 */
	public void setSubprotocols(Subprotocols subprotocols) {
		this.subprotocols = subprotocols;
	}

	/**
	 * Sets the per-address limits; none by default.
	 * @param addressLimits the limits
	 */
	public void setAddressLimits(AddressLimits addressLimits) {
		this.addressLimits = addressLimits;
	}

	@Override
	public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response,
			WebSocketHandler wsHandler, Map<String, Object> attributes) {
		// the connect handler runs in the observation's scope so that its own spans become children
		Observation observation = PulseObservationDocumentation.HANDSHAKE.start(this.observationRegistry);
		try (Observation.Scope scope = observation.openScope()) {
			String outcome;
			try {
				outcome = decide(request, response, attributes);
			}
			catch (RuntimeException ex) {
				throw ex;
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			observation.lowCardinalityKeyValue(PulseObservationDocumentation.LowCardinalityKeyNames.OUTCOME.asString(),
					outcome);
			return ACCEPTED.equals(outcome);
		}
		catch (RuntimeException ex) {
			observation.error(ex);
			throw ex;
		}
		finally {
			observation.stop();
		}
	}

	/**
	 * Decides on the handshake and sets the rejection status.
	 * @return {@link #ACCEPTED} or the rejection cause
	 */
	private String decide(ServerHttpRequest request, ServerHttpResponse response, Map<String, Object> attributes)
			throws Exception {
		if (this.originCheck != null && !this.originCheck.beforeHandshake(request, response, NO_HANDLER, attributes)) {
			// the origin check has set 403
			this.observer.handshakeRejected("forbidden");
			return "forbidden";
		}
		if (this.manager.isDraining()) {
			return reject(response, HttpStatus.SERVICE_UNAVAILABLE, "shutting-down");
		}
		AddressLimits limits = this.addressLimits;
		String address = (limits != null && limits.isEnabled()) ? clientAddress(request) : null;
		if (limits == null || address == null) {
			return decideAdmitted(request, response, attributes);
		}
		AddressLimits.Admission admission = limits.admit(address);
		if (!admission.admitted()) {
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(admission.retryAfterSeconds()));
			return reject(response, HttpStatus.TOO_MANY_REQUESTS, String.valueOf(admission.rejection()));
		}
		AddressLimits.Lease lease = admission.lease();
		String outcome;
		try {
			outcome = decideAdmitted(request, response, attributes);
		}
		catch (Exception | Error ex) {
			if (lease != null) {
				lease.release();
			}
			throw ex;
		}
		if (lease != null) {
			if (ACCEPTED.equals(outcome)) {
				// the WebSocket handler holds it for the connection's life; afterHandshake sees only the request
				attributes.put(LEASE_ATTRIBUTE, lease);
				if (request instanceof ServletServerHttpRequest servlet) {
					servlet.getServletRequest().setAttribute(LEASE_ATTRIBUTE, lease);
				}
			}
			else {
				lease.release();
			}
		}
		return outcome;
	}

	/**
	 * The rest of the decision, once the per-address limits let the handshake in.
	 */
	private String decideAdmitted(ServerHttpRequest request, ServerHttpResponse response,
			Map<String, Object> attributes) throws Exception {
		int max = this.manager.settings().maxConnections();
		if (max >= 0 && this.manager.connectionCount() >= max) {
			return reject(response, HttpStatus.SERVICE_UNAVAILABLE, "max-connections");
		}
		List<String> requested = Subprotocols.requested(request.getHeaders());
		if (!requested.isEmpty() && this.subprotocols.select(requested) == null) {
			return reject(response, HttpStatus.BAD_REQUEST, "unsupported-protocol");
		}
		MultiValueMap<String, String> params;
		try {
			params = queryParams(originalUri(request));
		}
		catch (IllegalArgumentException ex) {
			return reject(response, HttpStatus.BAD_REQUEST, "bad-request");
		}
		String token = params.getFirst("resume");
		Long lastSeq = null;
		if (token != null) {
			lastSeq = parseLastSeq(params.getFirst("lastSeq"));
			if (lastSeq == null) {
				return reject(response, HttpStatus.BAD_REQUEST, "bad-request");
			}
		}
		HandshakeRequest handshake = new HandshakeRequest(request.getURI(), HttpHeaders.readOnlyHttpHeaders(
				request.getHeaders()), params, request.getPrincipal(), request.getRemoteAddress(), token != null);
		ConnectDecision decision;
		try {
			decision = this.connectHandler.decide(handshake);
		}
		catch (RuntimeException ex) {
			logger.error("PulseConnectHandler failed; rejecting the handshake with 500", ex);
			return reject(response, HttpStatus.INTERNAL_SERVER_ERROR, "error");
		}
		if (decision.rejection() != null) {
			HttpStatus status = decision.rejection();
			return reject(response, status, status.name().toLowerCase().replace('_', '-'));
		}
		attributes.put(DECISION_ATTRIBUTE, decision);
		if (token != null) {
			attributes.put(RESUME_TOKEN_ATTRIBUTE, token);
			attributes.put(LAST_SEQ_ATTRIBUTE, lastSeq);
		}
		return ACCEPTED;
	}

	private String reject(ServerHttpResponse response, HttpStatus status, String cause) {
		this.observer.handshakeRejected(cause);
		response.setStatusCode(status);
		if (logger.isDebugEnabled()) {
			logger.debug("Handshake rejected with " + status.value() + " (" + cause + ")");
		}
		return cause;
	}

	private static final WebSocketHandler NO_HANDLER = new org.springframework.web.socket.handler.TextWebSocketHandler();

	/**
	 * The handshake URI with its real query: {@link ResumeTokenRedactingFilter} hides the resume token from
	 * everything that might log the request, and keeps the original for this interceptor.
	 */
	private static URI originalUri(ServerHttpRequest request) {
		if (request instanceof ServletServerHttpRequest servlet
				&& servlet.getServletRequest().getAttribute(ResumeTokenRedactingFilter.ORIGINAL_QUERY_ATTRIBUTE)
						instanceof String query) {
			return UriComponentsBuilder.fromUri(request.getURI()).replaceQuery(query).build(true).toUri();
		}
		return request.getURI();
	}

	private static @Nullable Long parseLastSeq(@Nullable String value) {
		if (value == null || value.isEmpty() || value.length() > 18) {
			return null;
		}
		for (int i = 0; i < value.length(); i++) {
			if (value.charAt(i) < '0' || value.charAt(i) > '9') {
				return null;
			}
		}
		return Long.parseLong(value);
	}

	/**
	 * Decodes the query strictly: a percent-encoding that is not valid UTF-8 is an error here (400), rather than
	 * replaced, because the container rejects it later with a 500.
	 */
	private static MultiValueMap<String, String> queryParams(URI uri) {
		MultiValueMap<String, String> raw = UriComponentsBuilder.fromUri(uri).build().getQueryParams();
		MultiValueMap<String, String> decoded = new LinkedMultiValueMap<>(raw.size());
		raw.forEach((name, values) -> values
			.forEach((value) -> decoded.add(strictDecode(name), (value != null) ? strictDecode(value) : "")));
		return decoded;
	}

	private static String strictDecode(String value) {
		if (value.indexOf('%') < 0 && value.indexOf('+') < 0) {
			return value;
		}
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(value.length());
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '%') {
				if (i + 2 >= value.length()) {
					throw new IllegalArgumentException("truncated percent-encoding");
				}
				int high = Character.digit(value.charAt(i + 1), 16);
				int low = Character.digit(value.charAt(i + 2), 16);
				if (high < 0 || low < 0) {
					throw new IllegalArgumentException("invalid percent-encoding");
				}
				bytes.write((high << 4) | low);
				i += 2;
			}
			else {
				byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
				bytes.write(encoded, 0, encoded.length);
			}
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
				.onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
				.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (java.nio.charset.CharacterCodingException ex) {
			throw new IllegalArgumentException("query parameter is not valid UTF-8", ex);
		}
	}

	/**
	 * Gives back the per-address place of a handshake that did not upgrade (the container refused it or failed).
	 */
	@Override
	public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler wsHandler,
			@Nullable Exception exception) {
		if (!(request instanceof ServletServerHttpRequest servlet)
				|| !(servlet.getServletRequest().getAttribute(LEASE_ATTRIBUTE) instanceof AddressLimits.Lease lease)) {
			return;
		}
		servlet.getServletRequest().removeAttribute(LEASE_ATTRIBUTE);
		boolean upgraded = response instanceof ServletServerHttpResponse servletResponse
				&& servletResponse.getServletResponse().getStatus() == HttpStatus.SWITCHING_PROTOCOLS.value();
		if (exception != null || !upgraded) {
			lease.release();
		}
	}

	/**
	 * The client address as the servlet container reports it: behind a proxy, the one Spring's forwarded-header
	 * handling ({@code server.forward-headers-strategy}) took from the proxy's headers.
	 */
	static @Nullable String clientAddress(ServerHttpRequest request) {
		if (request instanceof ServletServerHttpRequest servlet) {
			return servlet.getServletRequest().getRemoteAddr();
		}
		InetSocketAddress remote = request.getRemoteAddress();
		return (remote != null) ? remote.getHostString() : null;
	}

}
