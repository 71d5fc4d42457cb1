package io.github.pulse.autoconfigure;

import jakarta.servlet.ServletContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.ServletContextAware;

/**
 * Shrinks the message buffers the WebSocket container allocates up front for every connection (Tomcat: 8 KiB
 * each for text and binary by default): the text one to {@code pulse.container.message-buffer-size}, the binary one
 * to {@link #BINARY_BUFFER_SIZE}. pulse accepts partial messages and assembles larger ones on demand, so an idle
 * connection does not pay for the largest message; it refuses a binary message (1003) on its first part, so a
 * larger binary buffer would only ever hold the start of a message that is refused.
 */
class PulseContainerCustomizer implements ServletContextAware, InitializingBean {

	private static final Log logger = LogFactory.getLog(PulseContainerCustomizer.class);

	private static final String SERVER_CONTAINER = "jakarta.websocket.server.ServerContainer";

	/** Bytes of the binary message buffer: a binary message is refused on its first part. */
	static final int BINARY_BUFFER_SIZE = 128;

	private final int bufferSize;

	private @Nullable ServletContext servletContext;

	PulseContainerCustomizer(int bufferSize) {
		this.bufferSize = bufferSize;
	}

	@Override
	public void setServletContext(ServletContext servletContext) {
		this.servletContext = servletContext;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.servletContext == null || !ClassUtils.isPresent(SERVER_CONTAINER, getClass().getClassLoader())) {
			return;
		}
		Object container = this.servletContext.getAttribute(SERVER_CONTAINER);
		if (container instanceof jakarta.websocket.server.ServerContainer serverContainer) {
			serverContainer.setDefaultMaxTextMessageBufferSize(this.bufferSize);
			serverContainer.setDefaultMaxBinaryMessageBufferSize(Math.min(this.bufferSize, BINARY_BUFFER_SIZE));
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("No WebSocket ServerContainer in the ServletContext; container buffers left as they are");
		}
	}

}
