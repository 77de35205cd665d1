package io.ambit.admin.api;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import io.ambit.admin.mesh.WorkloadInfo;

/**
 * A page of the workload list and its search: what keeps the workloads page usable at thousands
 * of pods (the browser renders one page, the server filters). {@code page}/{@code size} rather than
 * a continue token: the list is a snapshot the admin-ui rebuilds every refresh, so an operator
 * paging through it wants "page 7 of 11" more than a consistent cursor over a changing list.
 */
record WorkloadPage(Optional<String> search, int page, int size) {

    static final String TOTAL_HEADER = "X-Total-Count";
    static final int MAX_SIZE = 500;
    static final int MAX_SEARCH = 128;
    static final Pattern NUMBER = Pattern.compile("[0-9]{1,6}");
    /** Printable text without control characters. */
    static final Pattern SEARCH = Pattern.compile("[^\\p{Cntrl}]{1," + MAX_SEARCH + "}");

    static WorkloadPage of(Optional<String> search, Optional<String> page, Optional<String> size) {
        if (page.isPresent() && size.isEmpty()) {
            throw new BadRequestException("page", "parameter \"page\" needs \"size\" (workloads per page, 1-" + MAX_SIZE + ")");
        }
        int n = page.map(Integer::parseInt).orElse(1);
        if (n < 1) {
            throw new BadRequestException("page", "parameter \"page\" counts from 1: " + n);
        }
        int s = size.map(Integer::parseInt).orElse(0);
        if (size.isPresent() && (s < 1 || s > MAX_SIZE)) {
            throw new BadRequestException("size", "parameter \"size\" is not within 1-" + MAX_SIZE + ": " + s);
        }
        return new WorkloadPage(search.map(q -> q.trim().toLowerCase(Locale.ROOT)).filter(q -> !q.isEmpty()), n, s);
    }

    boolean matches(WorkloadInfo w) {
        if (search.isEmpty()) {
            return true;
        }
        String q = search.get();
        return contains(w.namespace(), q) || contains(w.name(), q) || contains(w.node(), q) || contains(w.serviceAccount(), q)
                || contains(w.identity(), q) || contains(w.waypoint(), q) || w.addresses().stream().anyMatch(a -> contains(a, q));
    }

    private static boolean contains(String value, String q) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(q);
    }

    /** The page of the matching workloads; all of them without a size. Past the last page is a 400, never a silent empty page. */
    List<WorkloadInfo> cut(List<WorkloadInfo> matching) {
        if (size == 0) {
            return matching;
        }
        int pages = Math.max(1, (matching.size() + size - 1) / size);
        if (page > pages) {
            throw new BadRequestException("page", "page " + page + " is past the last page (" + pages + " of " + size + " for "
                    + matching.size() + " workloads)");
        }
        List<WorkloadInfo> ordered = matching.stream()
                .sorted(Comparator.comparing(WorkloadInfo::namespace).thenComparing(WorkloadInfo::name)).toList();
        return ordered.subList((page - 1) * size, Math.min(ordered.size(), page * size));
    }
}
