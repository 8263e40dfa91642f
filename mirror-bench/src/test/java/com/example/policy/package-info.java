/**
 * A policy written as a driver author outside devmirror would write it, used by the tests that pass a policy
 * class by name on the command line.
 *
 * <p>May use: device-model's public API only.
 */
package com.example.policy;
