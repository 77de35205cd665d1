/**
 * admin-ui: the dashboard and the REST admin API. Starting points: {@code api} (the API),
 * {@code mesh} (reading the mesh), {@code metrics} (the traffic graph), {@code explain},
 * {@code validate}; the dashboard's files are in {@code resources/static}.
 */
package io.ambit.admin;
