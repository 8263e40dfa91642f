/**
 * Device memory: the pool of device-private pages the dmirror device migrates data into
 * (lib/test_hmm.c's memremap'd chunks), with their contents in off-heap memory.
 */
package org.devmirror.device.memory;
