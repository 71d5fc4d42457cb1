package io.github.pulse.sample;

import io.github.pulse.test.OnNetty;

/**
 * The browser end-to-end tests on the reactive stack: the sample with
 * {@code spring.main.web-application-type=reactive}, on WebFlux and Reactor Netty.
 */
@OnNetty
class BrowserEndToEndReactiveTests extends BrowserEndToEndTests {

	@Override
	String stack() {
		return "-reactive";
	}

}
