package io.ambit.admin.api;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A page of a list (workloads, identities, policies) and its search: what keeps the dashboard's
 * pages usable at thousands of objects (the browser renders one page, the server filters).
 * {@code page}/{@code size} rather than a continue token: the list is a snapshot the admin-ui
 * rebuilds every refresh, so an operator paging through it wants "page 7 of 11" more than a
 * consistent cursor over a changing list.
 *
 * @param noun what the list holds, for messages ({@code workloads})
 */
record ListPage(Optional<String> search, int page, int size, String noun) {

    static final String TOTAL_HEADER = "X-Total-Count";
    static final int MAX_SIZE = 500;
    static final int MAX_SEARCH = 128;
    static final Pattern NUMBER = Pattern.compile("[0-9]{1,6}");
    /** Printable text without control characters. */
    static final Pattern SEARCH = Pattern.compile("[^\\p{Cntrl}]{1," + MAX_SEARCH + "}");
    /** The parameters a paged list takes besides its own filters. */
    static final List<String> PARAMETERS = List.of("search", "page", "size");

    /** The page a request asks for ({@code search}, {@code page}, {@code size}); a bad value is a 400 naming it. */
    static ListPage of(Params params, String noun) {
        return of(params.get("search", SEARCH, "1-" + MAX_SEARCH + " printable characters"),
                params.get("page", NUMBER, "a page number (1 or more)"),
                params.get("size", NUMBER, "a page size (1-" + MAX_SIZE + ")"), noun);
    }

    static ListPage of(Optional<String> search, Optional<String> page, Optional<String> size, String noun) {
        if (page.isPresent() && size.isEmpty()) {
            throw new BadRequestException("page", "parameter \"page\" needs \"size\" (" + noun + " per page, 1-" + MAX_SIZE + ")");
        }
        int n = page.map(Integer::parseInt).orElse(1);
        if (n < 1) {
            throw new BadRequestException("page", "parameter \"page\" counts from 1: " + n);
        }
        int s = size.map(Integer::parseInt).orElse(0);
        if (size.isPresent() && (s < 1 || s > MAX_SIZE)) {
            throw new BadRequestException("size", "parameter \"size\" is not within 1-" + MAX_SIZE + ": " + s);
        }
        return new ListPage(search.map(q -> q.trim().toLowerCase(Locale.ROOT)).filter(q -> !q.isEmpty()), n, s, noun);
    }

    /** Whether the search (case-insensitive) is in one of the fields; everything matches without a search. */
    boolean matches(String... fields) {
        if (search.isEmpty()) {
            return true;
        }
        for (String field : fields) {
            if (field != null && field.toLowerCase(Locale.ROOT).contains(search.get())) {
                return true;
            }
        }
        return false;
    }

    /** The page of the matching items in {@code order}; all of them without a size. Past the last page is a 400, never a silent empty page. */
    <T> List<T> cut(List<T> matching, Comparator<T> order) {
        if (size == 0) {
            return matching;
        }
        int pages = Math.max(1, (matching.size() + size - 1) / size);
        if (page > pages) {
            throw new BadRequestException("page", "page " + page + " is past the last page (" + pages + " of " + size + " for "
                    + matching.size() + " " + noun + ")");
        }
        List<T> ordered = matching.stream().sorted(order).toList();
        return ordered.subList((page - 1) * size, Math.min(ordered.size(), page * size));
    }
}
