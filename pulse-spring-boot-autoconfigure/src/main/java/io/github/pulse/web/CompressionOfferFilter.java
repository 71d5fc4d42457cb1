package io.github.pulse.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hides a client's offer of {@code permessage-deflate} from the WebSocket container, for
 * {@code pulse.compression.enabled=false}. Tomcat negotiates the extensions it has installed from the request's
 * {@code Sec-WebSocket-Extensions} header itself, whatever Spring selected, so the only way to decline the offer on
 * its standard upgrade path is to not show it. Other extensions offered are left as they are. Register it for the
 * pulse path only.
 */
public class CompressionOfferFilter extends OncePerRequestFilter {

	static final String EXTENSIONS_HEADER = "Sec-WebSocket-Extensions";

	static final String PERMESSAGE_DEFLATE = "permessage-deflate";

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Enumeration<String> headers = request.getHeaders(EXTENSIONS_HEADER);
		if (headers == null || !headers.hasMoreElements()) {
			chain.doFilter(request, response);
			return;
		}
		List<String> kept = new ArrayList<>(1);
		boolean changed = false;
		while (headers.hasMoreElements()) {
			String header = headers.nextElement();
			String filtered = withoutDeflate(header);
			changed |= !header.equals(filtered);
			if (!filtered.isEmpty()) {
				kept.add(filtered);
			}
		}
		chain.doFilter(changed ? new WithoutDeflate(request, kept) : request, response);
	}

	/**
	 * Removes every {@code permessage-deflate} offer from one header value.
	 * @param header such as {@code permessage-deflate; client_max_window_bits, x-other}
	 * @return the other offers, comma-separated; empty if none is left
	 */
	static String withoutDeflate(String header) {
		StringBuilder kept = new StringBuilder(header.length());
		for (String offer : header.split(",")) {
			int semicolon = offer.indexOf(';');
			String name = ((semicolon < 0) ? offer : offer.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
			if (!name.equals(PERMESSAGE_DEFLATE) && !offer.isBlank()) {
				kept.append(kept.isEmpty() ? "" : ", ").append(offer.trim());
			}
		}
		return kept.toString();
	}

	private static final class WithoutDeflate extends HttpServletRequestWrapper {

		private final List<String> extensions;

		WithoutDeflate(HttpServletRequest request, List<String> extensions) {
			super(request);
			this.extensions = extensions;
		}

		@Override
		public @Nullable String getHeader(String name) {
			if (EXTENSIONS_HEADER.equalsIgnoreCase(name)) {
				return this.extensions.isEmpty() ? null : this.extensions.get(0);
			}
			return super.getHeader(name);
		}

		@Override
		public Enumeration<String> getHeaders(String name) {
			if (EXTENSIONS_HEADER.equalsIgnoreCase(name)) {
				return Collections.enumeration(this.extensions);
			}
			return super.getHeaders(name);
		}

		@Override
		public Enumeration<String> getHeaderNames() {
			List<String> names = Collections.list(super.getHeaderNames());
			if (this.extensions.isEmpty()) {
				names.removeIf(EXTENSIONS_HEADER::equalsIgnoreCase);
			}
			return Collections.enumeration(names);
		}

	}

}
