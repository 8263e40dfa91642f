/**
 * The device TLB: a bounded cache of translations in front of the device page table, flushed by
 * one ranged invalidation per notifier callback (Xe's {@code xe_svm_invalidate}), whose counters
 * measure how much invalidation work each driver policy causes.
 */
package org.devmirror.device.tlb;
