package io.github.pulse.autoconfigure;

import jakarta.websocket.server.ServerContainer;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockServletContext;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

class PulseContainerCustomizerTests {

	@Test
	void textBufferFollowsTheMessageBufferSizeAndTheBinaryOneStaysSmall() {
		ServerContainer container = customized(4096);
		verify(container).setDefaultMaxTextMessageBufferSize(4096);
		verify(container).setDefaultMaxBinaryMessageBufferSize(PulseContainerCustomizer.BINARY_BUFFER_SIZE);
	}

	@Test
	void binaryBufferIsNeverLargerThanTheMessageBufferSize() {
		ServerContainer container = customized(64);
		verify(container).setDefaultMaxTextMessageBufferSize(64);
		verify(container).setDefaultMaxBinaryMessageBufferSize(64);
	}

	private static ServerContainer customized(int messageBufferSize) {
		ServerContainer container = mock(ServerContainer.class);
		MockServletContext servletContext = new MockServletContext();
		servletContext.setAttribute(ServerContainer.class.getName(), container);
		PulseContainerCustomizer customizer = new PulseContainerCustomizer(messageBufferSize);
		customizer.setServletContext(servletContext);
		customizer.afterPropertiesSet();
		return container;
	}

}
