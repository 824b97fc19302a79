// LogisticCtrModel is a thin wrapper: its logic lives in hashed_logistic_learner.cpp.
#include "models/logistic_ctr_model.hpp"
