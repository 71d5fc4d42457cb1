package io.github.pulse.web;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The query string everything after the filter sees.
 */
class ResumeTokenRedactingFilterTests {

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			"resume=abc&lastSeq=3                | resume=redacted&lastSeq=3",
			"room=lobby&resume=abc&lastSeq=3     | room=lobby&resume=redacted&lastSeq=3",
			"room=lobby&resume=a%3Db&resume=c    | room=lobby&resume=redacted&resume=redacted",
			"resume                              | resume=redacted",
			"room=resume&resumed=x               | room=resume&resumed=x",
			"room=lobby                          | room=lobby" })
	void onlyResumeValuesAreReplaced(String query, String expected) {
		assertThat(ResumeTokenRedactingFilter.redact(query)).isEqualTo(expected);
	}

}
