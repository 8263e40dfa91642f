/**
 * Test fixtures shared through mirror-core's test jar: a subscriber that records every notification, and a
 * device pagemap for the migration tests.
 *
 * <p>May use: mirror-core.
 */
package org.devmirror.testing;
