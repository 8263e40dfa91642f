/**
 * The lessons of docs/guide/lessons.md, as tests: {@link org.devmirror.lessons.LegacyEventAwarePolicy}
 * restores two decisions the event-aware policy once made, and the tests show the safety oracle
 * catching each one on a scenario where the shipped policy passes.
 */
package org.devmirror.lessons;
