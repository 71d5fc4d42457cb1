package io.github.pulse.sample;

import org.springframework.boot.SpringApplication;

/**
 * Runs the sample from the test classpath with {@link PulseEndpointStandIn}, for working on the operations page
 * while the library has no {@code pulse} endpoint of its own.
 */
public final class TestSampleApplication {

	private TestSampleApplication() {
	}

	/**
	 * Starts the sample.
	 * @param args command line arguments
	 */
	public static void main(String[] args) {
		SpringApplication.from(SampleApplication::main).with(PulseEndpointStandIn.class).run(args);
	}

}
