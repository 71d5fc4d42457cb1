package io.github.pulse.autoconfigure;

import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the browser client that ships in this jar at {@code <pulse.path>/client.js}, with its TypeScript
 * declarations at {@code <pulse.path>/client.d.ts}. Only these two names are mapped, so the WebSocket endpoint at
 * {@code pulse.path} itself and any other path below it stay free. Clients revalidate on every load (ETag and
 * Last-Modified), so an upgraded server is picked up at once.
 */
class PulseClientResources implements WebMvcConfigurer {

	static final String LOCATION = "classpath:/META-INF/pulse/client/";

	private final String pattern;

	PulseClientResources(String path) {
		String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		this.pattern = base + "/{file:client\\.js|client\\.d\\.ts}";
	}

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		registry.addResourceHandler(this.pattern).addResourceLocations(LOCATION).setCacheControl(CacheControl.noCache());
	}

}
