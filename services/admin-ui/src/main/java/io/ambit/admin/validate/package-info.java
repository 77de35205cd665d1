/** Cross-object checks, Kiali-style: {@link io.ambit.admin.validate.Validator} yields {@link io.ambit.admin.validate.Validation}s. */
package io.ambit.admin.validate;
