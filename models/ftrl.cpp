#include "models/ftrl.hpp"

#include "core/huge_pages.hpp"

#include <algorithm>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if ADSIM_FTRL_AVX2
#include <immintrin.h>
#endif

namespace adsim::models {

Ftrl::Ftrl(int bits, FtrlParams params, std::size_t extra) : bits_(bits), params_(params) {
  if (bits < 1 || bits > 30) throw std::invalid_argument("Ftrl: hash bits must be in [1, 30]");
  if (!(params.alpha > 0.0) || params.beta < 0.0 || params.l1 < 0.0 || params.l2 < 0.0) {
    throw std::invalid_argument("Ftrl: need alpha > 0 and beta, l1, l2 >= 0");
  }
  const std::size_t size = (std::size_t{1} << bits) + extra;
  if (size > std::size_t{0xffffffff}) throw std::invalid_argument("Ftrl: more coordinates than 32-bit indices address");
  // Both are read and written at random, ~36 coordinates per example: huge pages.
  core::assign_huge(state_, size);
  core::assign_huge(w_, size);
}

void Ftrl::add_logits(float shared, std::span<const std::uint32_t> index, std::size_t stride,
                      std::span<const std::uint8_t> count, std::span<float> logit) const {
  const float* w = w_.data();
  for (std::size_t k = 0; k < logit.size(); ++k) {
    const std::uint32_t* idx = index.data() + k * stride;
    float s = shared;
    for (std::size_t j = 0; j < count[k]; ++j) s += w[idx[j]];
    logit[k] = s;
  }
}

double Ftrl::update(std::span<const std::uint32_t> index, bool label, double logit_offset) {
  // Algorithm 1 of McMahan et al. (2013), with x_i = 1 for every listed coordinate:
  //   p = σ(Σ w_i),  g = p − y,
  //   σ_i = (sqrt(n_i + g²) − sqrt(n_i)) / α,  z_i += g − σ_i · w_i,  n_i += g²,
  //   w_i = 0 if |z_i| ≤ λ1, else −(z_i − sgn(z_i) λ1) / ((β + sqrt(n_i)) / α + λ2).
  // A coordinate listed twice (a hash collision inside one example) is updated twice in turn.
  prefetch(index);  // the state's cache lines load while the prediction is computed
  const double p = sigmoid(static_cast<double>(partial_logit(index)) + logit_offset);
  apply_gradient(index, p - (label ? 1.0 : 0.0));
  return p;
}

bool Ftrl::avx2_supported() {
#if ADSIM_FTRL_AVX2
  __builtin_cpu_init();  // may run before the constructors that would initialize the CPU model
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

#if ADSIM_FTRL_AVX2
namespace {
// Four coordinates per step, the SSE2 loop's arithmetic in 256-bit lanes (AVX only: no FMA, so no
// contraction either; sqrt and division are correctly rounded), hence bit-identical to it. A group
// with a repeated coordinate is left to the caller, which updates it in turn.
__attribute__((target("avx2"))) std::size_t apply_gradient_avx2(double* state, float* w, const std::uint32_t* index,
                                                                std::size_t n, double g, double g2, double inv_alpha,
                                                                double den0, double l1) {
  const __m256d vg = _mm256_set1_pd(g), vg2 = _mm256_set1_pd(g2), vinv_alpha = _mm256_set1_pd(inv_alpha),
                vden0 = _mm256_set1_pd(den0), vl1 = _mm256_set1_pd(l1), sign = _mm256_set1_pd(-0.0),
                zero = _mm256_setzero_pd();
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const std::uint32_t a = index[k], b = index[k + 1], c = index[k + 2], d = index[k + 3];
    if (a == b || a == c || a == d || b == c || b == d || c == d) break;
    double* sa = state + 2 * std::size_t{a};
    double* sb = state + 2 * std::size_t{b};
    double* sc = state + 2 * std::size_t{c};
    double* sd = state + 2 * std::size_t{d};
    const __m256d ac = _mm256_set_m128d(_mm_load_pd(sc), _mm_load_pd(sa));  // (z_a, s_a, z_c, s_c)
    const __m256d bd = _mm256_set_m128d(_mm_load_pd(sd), _mm_load_pd(sb));  // (z_b, s_b, z_d, s_d)
    const __m256d z = _mm256_unpacklo_pd(ac, bd);                           // (z_a, z_b, z_c, z_d)
    const __m256d s_old = _mm256_unpackhi_pd(ac, bd);
    const __m256d w_old = _mm256_cvtps_pd(_mm_set_ps(w[d], w[c], w[b], w[a]));
    const __m256d s_new = _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(s_old, s_old), vg2));
    const __m256d sigma = _mm256_mul_pd(_mm256_sub_pd(s_new, s_old), vinv_alpha);
    const __m256d z_new = _mm256_sub_pd(_mm256_add_pd(z, vg), _mm256_mul_pd(sigma, w_old));
    const __m256d z_sign = _mm256_and_pd(z_new, sign);
    const __m256d magnitude = _mm256_max_pd(_mm256_sub_pd(_mm256_andnot_pd(sign, z_new), vl1), zero);
    const __m256d shrunk = _mm256_or_pd(magnitude, z_sign);
    const __m256d den = _mm256_add_pd(_mm256_mul_pd(s_new, vinv_alpha), vden0);
    const __m256d w_new = _mm256_div_pd(_mm256_xor_pd(shrunk, sign), den);
    const __m256d out_ac = _mm256_unpacklo_pd(z_new, s_new);  // (z_a, s_a, z_c, s_c)
    const __m256d out_bd = _mm256_unpackhi_pd(z_new, s_new);
    _mm_store_pd(sa, _mm256_castpd256_pd128(out_ac));
    _mm_store_pd(sc, _mm256_extractf128_pd(out_ac, 1));
    _mm_store_pd(sb, _mm256_castpd256_pd128(out_bd));
    _mm_store_pd(sd, _mm256_extractf128_pd(out_bd, 1));
    alignas(16) float wf[4];
    _mm_store_ps(wf, _mm256_cvtpd_ps(w_new));
    w[a] = wf[0];
    w[b] = wf[1];
    w[c] = wf[2];
    w[d] = wf[3];
  }
  return k;
}
}  // namespace
#endif

void Ftrl::apply_gradient(std::span<const std::uint32_t> index, double g) {
  const double g2 = g * g;
  const double inv_alpha = 1.0 / params_.alpha;
  const double den0 = params_.beta * inv_alpha + params_.l2;  // (β + s)/α + λ2 = s/α + den0
  const double l1 = params_.l1;
  State* state = state_.data();
  float* w = w_.data();
  auto one = [&](std::uint32_t i) {
    State& st = state[i];
    const double s_old = st.sqrt_n;
    const double s_new = std::sqrt(s_old * s_old + g2);
    const double sigma = (s_new - s_old) * inv_alpha;
    const double z = st.z + g - sigma * static_cast<double>(w[i]);
    st.z = z;
    st.sqrt_n = s_new;
    const double shrunk = z > l1 ? z - l1 : (z < -l1 ? z + l1 : 0.0);  // 0 when |z| <= λ1
    w[i] = static_cast<float>(-shrunk / (s_new * inv_alpha + den0));
  };
  std::size_t k = 0;
#if ADSIM_FTRL_AVX2
  // Four at a time while no coordinate repeats within a group of four (the SSE2 loop takes over
  // from the first group that has one, and handles repeats in turn).
  static_assert(sizeof(State) == 2 * sizeof(double), "the AVX2 loop addresses (z, sqrt n) pairs as doubles");
  if (avx2_) k = apply_gradient_avx2(&state[0].z, w, index.data(), index.size(), g, g2, inv_alpha, den0, l1);
#endif
#if defined(__SSE2__)
  // Two coordinates per step: the square root and the division dominate a step, and the packed
  // instructions do two of each for about the price of one. IEEE sqrt and division are correctly
  // rounded either way, so the results are bit-identical to the scalar loop.
  const __m128d vg = _mm_set1_pd(g), vg2 = _mm_set1_pd(g2), vinv_alpha = _mm_set1_pd(inv_alpha),
                vden0 = _mm_set1_pd(den0), vl1 = _mm_set1_pd(l1), sign = _mm_set1_pd(-0.0), zero = _mm_setzero_pd();
  for (; k + 2 <= index.size(); k += 2) {
    const std::uint32_t i = index[k], j = index[k + 1];
    if (i == j) {  // the same coordinate twice: in turn, as the scalar loop does
      one(i);
      one(j);
      continue;
    }
    const __m128d a = _mm_load_pd(&state[i].z);  // (z_i, s_i)
    const __m128d b = _mm_load_pd(&state[j].z);  // (z_j, s_j)
    const __m128d z = _mm_unpacklo_pd(a, b);
    const __m128d s_old = _mm_unpackhi_pd(a, b);
    const __m128d w_old = _mm_set_pd(static_cast<double>(w[j]), static_cast<double>(w[i]));
    const __m128d s_new = _mm_sqrt_pd(_mm_add_pd(_mm_mul_pd(s_old, s_old), vg2));
    const __m128d sigma = _mm_mul_pd(_mm_sub_pd(s_new, s_old), vinv_alpha);
    const __m128d z_new = _mm_sub_pd(_mm_add_pd(z, vg), _mm_mul_pd(sigma, w_old));
    // shrunk = sgn(z) · max(|z| − λ1, 0)
    const __m128d z_sign = _mm_and_pd(z_new, sign);
    const __m128d magnitude = _mm_max_pd(_mm_sub_pd(_mm_andnot_pd(sign, z_new), vl1), zero);
    const __m128d shrunk = _mm_or_pd(magnitude, z_sign);
    const __m128d den = _mm_add_pd(_mm_mul_pd(s_new, vinv_alpha), vden0);
    const __m128d w_new = _mm_div_pd(_mm_xor_pd(shrunk, sign), den);
    _mm_store_pd(&state[i].z, _mm_unpacklo_pd(z_new, s_new));
    _mm_store_pd(&state[j].z, _mm_unpackhi_pd(z_new, s_new));
    w[i] = static_cast<float>(_mm_cvtsd_f64(w_new));
    w[j] = static_cast<float>(_mm_cvtsd_f64(_mm_unpackhi_pd(w_new, w_new)));
  }
#endif
  for (; k < index.size(); ++k) one(index[k]);
}

std::size_t Ftrl::nonzero_weights() const {
  return static_cast<std::size_t>(std::count_if(w_.begin(), w_.end(), [](float w) { return w != 0.0f; }));
}

}  // namespace adsim::models
