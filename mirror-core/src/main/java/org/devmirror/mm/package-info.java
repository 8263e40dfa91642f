/**
 * The simulated host's memory management: address spaces and their VMAs ({@link org.devmirror.mm.AddressSpace},
 * {@link org.devmirror.mm.Vma}, {@link org.devmirror.mm.VmaTree}), and one class per host operation, named after the
 * kernel code it models and raising the mmu-notifier events the kernel raises there: {@code Mmap} and {@code Zap}
 * (mm/mmap.c, mm/memory.c), {@code Mprotect}, {@code Mremap}, {@code Madvise}, {@code Fork}, {@code ClearRefs}
 * (fs/proc/task_mmu.c), {@code Reclaim}, {@code Compaction}, {@code Ksm}, {@code MigrateVma} and
 * {@code MigrateDevice} (mm/migrate_device.c), {@code DeviceExclusive}, {@code OomReaper}, {@code ExitMmap} and the
 * rest. docs/events.md lists which event each operation raises and why.
 *
 * <p>Expected outcomes are {@link org.devmirror.mm.Errno} values, as the kernel's return codes are; misuse throws
 * {@code IllegalArgumentException} naming the argument.
 *
 * <p>May use: {@code org.devmirror.mm.phys}, {@code org.devmirror.mm.pagetable}, {@code org.devmirror.notifier}
 * and the JDK. Nothing of device-model or mirror-bench.
 */
package org.devmirror.mm;
